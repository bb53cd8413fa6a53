"""Request rate limits shared by every web process: fixed windows counted in Redis.

One counter per (limit name, subject, window), `<REDIS_NAMESPACE>:ratelimit:...`: `INCR`
and `EXPIRE` in one transaction.
The window is aligned to the clock (minute 12:00:00-12:00:59, ...), so the wait until the
next one, `Retry-After`, is exact. Requests over the limit are counted too: a client that
keeps hammering still waits only until the window ends. Redis is the real server when
REDIS_URL is set and the in-process fakeredis in embedded mode; if it does not answer, the
request is allowed and a warning is logged (a broken counter must not stop all work).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from app.redis_client import key, reset_shared_client, shared_client

log = logging.getLogger("shortlist.ratelimit")


@dataclass(frozen=True)
class Decision:
    """Whether one request may go ahead, and what to tell the client."""

    allowed: bool
    limit: int
    remaining: int
    # Seconds until the current window ends: the `Retry-After` of a refused request.
    reset_after_s: int

    @property
    def retry_after_s(self) -> int:
        return 0 if self.allowed else self.reset_after_s


def _redis():
    return shared_client()


def reset() -> None:
    """Forget the client (tests switch servers)."""
    reset_shared_client()


def hit(name: str, subject: str, limit: int, window_s: int, *,
        now: float | None = None) -> Decision:
    """Count one request of `subject` against `limit` per `window_s` seconds.

    `name` separates limits ("submit", ...); `subject` is who is limited (a token's hash,
    a user id). A `limit` of 0 or less means no limit.
    """
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    now = time.time() if now is None else now
    window = int(now // window_s)
    reset_after_s = max(1, math.ceil((window + 1) * window_s - now))
    if limit <= 0:
        return Decision(True, limit, 0, reset_after_s)
    counter = key("ratelimit", name, subject, str(window))
    try:
        pipe = _redis().pipeline(transaction=True)
        pipe.incr(counter)
        pipe.expire(counter, window_s + 1)
        count = int(pipe.execute()[0])
    except Exception as exc:  # noqa: BLE001  (Redis down: let the request through)
        log.warning("rate limit %s unavailable (%s); allowing the request", name, exc)
        return Decision(True, limit, limit, reset_after_s)
    return Decision(count <= limit, limit, max(0, limit - count), reset_after_s)
