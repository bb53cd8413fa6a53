"""Sign-in tickets: how a checked password reaches a new session.

The sign-in form is checked over the page's websocket, where no cookie can be set. So the
check leaves a ticket: random, single-use, valid for TICKET_TTL_S seconds, bound to the
browser's current session id; the browser then loads one plain HTTP route with it, which
redeems the ticket and starts a new session (ui/auth.py). The session id a visitor had
before signing in (perhaps one an attacker planted) never holds a signed-in user.

Tickets live in Redis (shared by every web process; the in-process fakeredis in embedded
mode) under a hash of the ticket, read and deleted in one step. If Redis does not answer,
this process keeps them in memory, so signing in still works where the browser comes back
to the same process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import asdict, dataclass

from app.redis_client import key, shared_client

log = logging.getLogger("shortlist.signin")

TICKET_TTL_S = 60

_local: dict[str, tuple[float, str]] = {}
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Grant:
    """What a redeemed ticket vouches for."""

    user_id: int
    stamp: str
    session_id: str
    next_path: str


def _key(ticket: str) -> str:
    return key("signin-ticket", hashlib.sha256(ticket.encode()).hexdigest())


def issue(user_id: int, stamp: str, session_id: str, next_path: str) -> str:
    """A new ticket for this user, redeemable once, from this session id, for a minute."""
    ticket = secrets.token_urlsafe(32)
    value = json.dumps(asdict(Grant(user_id, stamp, session_id, next_path)))
    try:
        shared_client().set(_key(ticket), value, ex=TICKET_TTL_S)
    except Exception as exc:  # noqa: BLE001  (Redis down: this process remembers it)
        log.warning("sign-in tickets kept in this process only (%s)", exc)
        with _local_lock:
            _forget_expired()
            _local[_key(ticket)] = (time.monotonic() + TICKET_TTL_S, value)
    return ticket


def redeem(ticket: str, session_id: str | None) -> Grant | None:
    """The grant of a valid ticket, used up now; None if unknown, used, expired, or issued
    to another session."""
    if not ticket or len(ticket) > 100 or not session_id:
        return None
    name = _key(ticket)
    with _local_lock:
        _forget_expired()
        local = _local.pop(name, None)
    value = local[1] if local else None
    if value is None:
        try:
            pipe = shared_client().pipeline(transaction=True)
            pipe.get(name)
            pipe.delete(name)
            value = pipe.execute()[0]
        except Exception as exc:  # noqa: BLE001
            log.warning("could not read a sign-in ticket (%s)", exc)
            return None
    if value is None:
        return None
    grant = Grant(**json.loads(value))
    if not secrets.compare_digest(grant.session_id, session_id):
        return None
    return grant


def _forget_expired() -> None:
    now = time.monotonic()
    for name in [n for n, (expires, _) in _local.items() if expires < now]:
        del _local[name]
