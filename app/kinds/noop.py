"""The `noop` kind: does nothing, for tests and benchmarks.

Parameters: `sleep_ms` per item, and the fractions of items that fail for good
(`fail_rate`) or fail their first attempt with a transient error (`transient_rate`).
Which items fail is a pure function of their position, so tests know exact counts.
`crash_seqs` lists positions whose item kills its worker process every time (a poison
message, for the fault tests).
"""

from __future__ import annotations

import os
import time
from typing import Any

from app.errors import DocumentError, InvalidInput, TransientError
from app.kinds import ItemResult, ItemWork, Kind, register


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
    if not 0 <= sleep_ms <= 600_000:
        raise InvalidInput("sleep_ms must be between 0 and 600000.")
    fail_rate, transient_rate = _rate(params, "fail_rate"), _rate(params, "transient_rate")
    if fail_rate + transient_rate > 1:
        raise InvalidInput("fail_rate and transient_rate add up to more than 1.")
    crash_seqs = params.get("crash_seqs") or []
    if not isinstance(crash_seqs, list) or not all(isinstance(n, int) for n in crash_seqs):
        raise InvalidInput("crash_seqs must be a list of item positions.")
    result = {"sleep_ms": sleep_ms, "fail_rate": fail_rate, "transient_rate": transient_rate}
    if crash_seqs:
        result["crash_seqs"] = crash_seqs
    return result


def handle(work: ItemWork) -> ItemResult:
    params = work.params
    if work.seq in params.get("crash_seqs", ()):
        os._exit(70)  # the whole worker process dies, as a segfaulting parser would
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
        raise DocumentError("This item was chosen to fail (noop fail_rate).")
    if outcome == "transient" and work.attempt == 1:
        raise TransientError("A simulated temporary failure (noop transient_rate).")
    return ItemResult(result={"ok": True}, score=None)


register(Kind(name="noop", handle=handle, validate_params=validate_params))
