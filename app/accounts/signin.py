"""Signing in to the web app: passwords checked with argon2, failures rate-limited.

The limits on failed sign-ins (per account and address, per account, per address; checked
and counted in one atomic step) are in app/signin_limits.py; the single-use tickets that
carry a checked password from the sign-in form to a new session are in
app/signin_tickets.py.
"""

from __future__ import annotations

import logging

from sqlmodel import select

from app.accounts import signin_limits
from app.accounts.signin_limits import TooManyAttempts, limits, reset
from app.accounts.users import hash_password, normalize_email, verify_password
from app.db import session_scope
from app.errors import InvalidInput, PermissionDenied, ShortlistError
from app.models import User

log = logging.getLogger("shortlist.signin")

MAX_PASSWORD_CHARS = 1024

__all__ = ["SignInFailed", "TooManyAttempts", "authenticate", "limits", "password_stamp",
           "reset", "session_user"]


class SignInFailed(ShortlistError):
    """Wrong email or password."""

    code = "signin_failed"


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
    try:
        email = normalize_email(email)
    except InvalidInput:
        email = None
    # Counted before the password is checked: see app/signin_limits.py.
    attempt = signin_limits.begin(email, client_ip)

    try:
        user = _check_password(email, password or "")
    except Exception:
        # Our own failure (the database, say) is not the person's: give the count back.
        signin_limits.give_back(attempt)
        raise
    if user is None:
        log.info("failed sign-in from %s", client_ip or "an unknown address")
        raise SignInFailed()
    signin_limits.succeeded(attempt)
    if not user.active:
        raise PermissionDenied(
            "This account is deactivated. Ask your administrator to turn it back on.")
    return user


def _check_password(email: str | None, password: str) -> User | None:
    """The user if the password is theirs; None otherwise, after as long a check."""
    user = _find_user(email) if email and len(password) <= MAX_PASSWORD_CHARS else None
    if user is None:
        if password and len(password) <= MAX_PASSWORD_CHARS:
            _spend_a_verification(password)
        return None
    return user if verify_password(user.password_hash, password) else None


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
