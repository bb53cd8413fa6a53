"""The `noop` kind: does nothing, for tests and benchmarks.

Parameters: `sleep_ms` per item, and the fractions of items that fail for good
(`fail_rate`) or fail their first attempt with a transient error (`transient_rate`).
Which items fail is a pure function of their position, so tests know exact counts.

An operator's kind: the API and the UI accept it from admins only (`operator_only`). It
has no way to harm a worker: the fault tests' poison item is a kind of their own, in
tests/chaos/poison.py, which no deployed process loads.
"""

from __future__ import annotations

import time
from typing import Any

from app.engine.kinds import ItemResult, ItemWork, Kind, register
from app.errors import DocumentError, InvalidInput, TransientError

# A minute per item is plenty for any test or benchmark; longer only ties up workers.
MAX_SLEEP_MS = 60_000


def fate(seq: int, fail_rate: float, transient_rate: float) -> str:
    """'fail', 'transient' or 'ok' for the item at position `seq` (a well-spread hash)."""
    u = ((seq * 2654435761) % 2**32) / 2**32
    if u < fail_rate:
        return "fail"
    if u < fail_rate + transient_rate:
        return "transient"
    return "ok"


def _rate(params: dict[str, Any], key: str) -> float:
    try:
        value = float(params.get(key, 0) or 0)
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} must be a number between 0 and 1.") from None
    if not 0 <= value <= 1:
        raise InvalidInput(f"{key} must be between 0 and 1.")
    return value


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    try:
        sleep_ms = int(params.get("sleep_ms", 0) or 0)
    except (TypeError, ValueError):
        raise InvalidInput("sleep_ms must be a whole number of milliseconds.") from None
    if not 0 <= sleep_ms <= MAX_SLEEP_MS:
        raise InvalidInput(f"sleep_ms must be between 0 and {MAX_SLEEP_MS}.")
    fail_rate, transient_rate = _rate(params, "fail_rate"), _rate(params, "transient_rate")
    if fail_rate + transient_rate > 1:
        raise InvalidInput("fail_rate and transient_rate add up to more than 1.")
    unknown = sorted(set(params) - {"sleep_ms", "fail_rate", "transient_rate"})
    if unknown:
        raise InvalidInput(f"Unknown parameter {unknown[0]!r} for the noop kind.")
    return {"sleep_ms": sleep_ms, "fail_rate": fail_rate, "transient_rate": transient_rate}


class ChosenFailure(DocumentError):
    """A simulated bad item: it fails at once, and may be tried again (to test retries)."""

    retryable = True


def handle(work: ItemWork) -> ItemResult:
    params = work.params
    sleep_s = params.get("sleep_ms", 0) / 1000
    # Sleep in slices so a cancel is noticed at the next checkpoint.
    while sleep_s > 0:
        step = min(sleep_s, 0.5)
        time.sleep(step)
        sleep_s -= step
        if sleep_s > 0:
            work.checkpoint()
    outcome = fate(work.seq, params.get("fail_rate", 0), params.get("transient_rate", 0))
    if outcome == "fail":
        raise ChosenFailure("This item was chosen to fail (noop fail_rate).")
    if outcome == "transient" and work.attempt == 1:
        raise TransientError("A simulated temporary failure (noop transient_rate).")
    return ItemResult(result={"ok": True}, score=None)


register(Kind(name="noop", handle=handle, validate_params=validate_params,
              operator_only=True))
