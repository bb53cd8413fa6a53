"""Readiness: can this process reach its database and its broker right now?

`/healthz` says the process is alive; `readiness()` backs `/readyz`, which a load balancer
or an orchestrator asks before sending traffic. Each check runs on a worker thread with a
time limit, so an unreachable server makes the answer "not ready" within seconds instead
of hanging. The answer names each check and, for a failed one, the kind of error (the
details go to the log, not to whoever asked).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from sqlalchemy import text

from app.db import get_engine
from app.engine.broker import get_broker

log = logging.getLogger("shortlist.health")

CHECK_TIMEOUT_S = 3.0
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float | None
    error: str | None = None


@dataclass(frozen=True)
class Readiness:
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]


def check_database() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()


def check_broker() -> None:
    client = getattr(get_broker(), "client", None)
    if client is not None and not client.ping():
        raise ConnectionError("the broker did not answer PING")


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}


def _timed(check: Callable[[], None]) -> float:
    started = time.perf_counter()
    check()
    return round((time.perf_counter() - started) * 1000, 1)


def readiness(timeout_s: float = CHECK_TIMEOUT_S) -> Readiness:
    """Run every check at once; each gets `timeout_s` seconds."""
    started = time.perf_counter()
    futures = {name: _pool.submit(_timed, check) for name, check in CHECKS.items()}
    results = []
    for name, future in futures.items():
        remaining = max(0.0, timeout_s - (time.perf_counter() - started))
        error, latency_ms = None, None
        try:
            latency_ms = future.result(timeout=remaining)
        except FutureTimeout:
            error = f"no answer within {timeout_s:g} s"
            log.warning("readiness: %s did not answer within %s s", name, timeout_s)
        except Exception as exc:  # noqa: BLE001  (any failure means "not ready")
            error = type(exc).__name__
            log.warning("readiness: %s failed: %s", name, exc)
        results.append(CheckResult(name, error is None, latency_ms, error))
    return Readiness(results)
