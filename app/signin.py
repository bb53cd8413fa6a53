"""Signing in to the web app: passwords checked with argon2, failures rate-limited.

Failed sign-ins are counted in Redis (the real server when REDIS_URL is set, the
in-process fakeredis in embedded mode; keys under REDIS_NAMESPACE), so every web process
shares the same limits: one
counter per account (the email typed, whether or not it exists) and one per client
address. When either reaches its limit, sign-ins stop for the rest of its window, without
even checking the password, and the person reads when to try again. A successful sign-in
clears its account's counter. If Redis does not answer, sign-in still works (argon2 stays
slow) and a warning is logged: a broken counter must not lock everyone out.

Settings: SIGNIN_MAX_FAILURES_PER_ACCOUNT, SIGNIN_MAX_FAILURES_PER_CLIENT, SIGNIN_WINDOW_S.
"""

from __future__ import annotations

import hashlib
import logging
import math

from sqlmodel import select

from app.db import session_scope
from app.errors import InvalidInput, PermissionDenied, ShortlistError
from app.models import User
from app.redis_client import key, reset_shared_client, shared_client
from app.settings import Settings, get_settings
from app.users import hash_password, normalize_email, verify_password

log = logging.getLogger("shortlist.signin")

MAX_PASSWORD_CHARS = 1024


class SignInFailed(ShortlistError):
    """Wrong email or password."""

    code = "signin_failed"


class TooManyAttempts(ShortlistError):
    """Too many sign-in attempts. Try again later."""

    code = "too_many_attempts"


def limits(settings: Settings) -> tuple[int, int, int]:
    """(failures per account, failures per client, window in seconds)."""
    return (settings.signin_max_failures_per_account, settings.signin_max_failures_per_client,
            settings.signin_window_s)


# --- The Redis client ------------------------------------------------------------------

def _redis():
    return shared_client()


def reset() -> None:
    """Forget the client (tests switch servers)."""
    reset_shared_client()


def _account_key(email: str) -> str:
    # Hashed: the keys never show which addresses people typed.
    return key("signin-failures", "account", hashlib.sha256(email.encode()).hexdigest())


def _client_key(client_ip: str) -> str:
    return key("signin-failures", "client", client_ip or "unknown")


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _check_not_locked(keys_and_limits: list[tuple[str, int]], window_s: int) -> None:
    client = _redis()
    pipe = client.pipeline(transaction=False)
    for name, _ in keys_and_limits:
        pipe.get(name)
        pipe.ttl(name)
    replies = pipe.execute()
    wait_s = 0
    for i, (_, limit) in enumerate(keys_and_limits):
        count, ttl = replies[2 * i], replies[2 * i + 1]
        if count is not None and int(count) >= limit:
            wait_s = max(wait_s, ttl if ttl and ttl > 0 else window_s)
    if wait_s:
        raise TooManyAttempts(
            f"Too many sign-in attempts. Try again in {_minutes(wait_s)}.", retry_after_s=wait_s)


def _count_failure(keys: list[str], window_s: int) -> None:
    pipe = _redis().pipeline(transaction=True)
    for name in keys:
        pipe.incr(name)
        # The window starts at the first failure; later failures do not extend it.
        pipe.expire(name, window_s, nx=True)
    pipe.execute()


def _forget_failures(name: str) -> None:
    _redis().delete(name)


# --- Passwords -------------------------------------------------------------------------

_dummy_hash: str | None = None


def _spend_a_verification(password: str) -> None:
    """Check the password against a throwaway hash: unknown emails take as long as known."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not a real password, only for timing")
    verify_password(_dummy_hash, password)


def _find_user(email: str) -> User | None:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == email)).first()


def authenticate(email: str, password: str, client_ip: str) -> User:
    """The user with this email and password, or an error whose message the person reads.

    Raises SignInFailed (the same message for an unknown email and a wrong password),
    TooManyAttempts (with the wait in minutes), or PermissionDenied for a deactivated
    account whose password was right.
    """
    settings = get_settings()
    per_account, per_client, window_s = limits(settings)
    client_key = _client_key(client_ip)
    try:
        email = normalize_email(email)
    except InvalidInput:
        email = None
    account_key = _account_key(email) if email else None
    keys = [(client_key, per_client)] + ([(account_key, per_account)] if account_key else [])
    counting = True
    try:
        _check_not_locked(keys, window_s)
    except TooManyAttempts:
        raise
    except Exception as exc:  # noqa: BLE001  (Redis down: sign in without the counters)
        log.warning("sign-in limits unavailable (%s); checking the password anyway", exc)
        counting = False

    password = password or ""
    user = _find_user(email) if email and len(password) <= MAX_PASSWORD_CHARS else None
    if user is None:
        if password and len(password) <= MAX_PASSWORD_CHARS:
            _spend_a_verification(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)

    if not ok:
        if counting:
            try:
                _count_failure([k for k, _ in keys], window_s)
            except Exception as exc:  # noqa: BLE001
                log.warning("could not count a failed sign-in (%s)", exc)
        log.info("failed sign-in from %s", client_ip or "an unknown address")
        raise SignInFailed()
    if not user.active:
        raise PermissionDenied(
            "This account is deactivated. Ask your administrator to turn it back on.")
    if counting and account_key:
        try:
            _forget_failures(account_key)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not clear sign-in failures (%s)", exc)
    return user


def password_stamp(user: User) -> str:
    """What a session keeps of the password it was opened with: when it was set."""
    return user.password_changed_at.isoformat()


_ANY_PASSWORD = object()


def session_user(user_id: object, stamp: object = _ANY_PASSWORD) -> User | None:
    """The active user a session points at, loaded fresh; None if gone or deactivated,
    or (given the session's `stamp`) if the password changed since the session opened:
    a password reset signs out every session opened with the old one."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        return None
    with session_scope() as session:
        user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if stamp is not _ANY_PASSWORD and stamp != password_stamp(user):
        return None
    return user
