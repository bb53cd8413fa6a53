"""A person's own password: changing it, the change a one-time password asks for, and
"forgot password" links by e-mail. The one home of these rules (the pages are thin).

Any new password ends the old trust the same way an admin's reset does: the sessions
opened before it are signed out at their next click (app.accounts.signin.session_user
compares `password_changed_at`), and every API token of the account is revoked. The web
page that changed it keeps its own session by taking the new stamp.

A "forgot password" link carries a random token; only its SHA-256 is stored
(`password_reset`). It works once, until `PASSWORD_RESET_TTL_S`; using it, or any other
new password, ends every other link of the account. The request's answer is the same
whether or not the account exists (`REQUEST_ANSWER`), and requests are rate-limited per
email and per client address.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts import mail, ratelimit, tokens
from app.accounts.audit import record_action
from app.accounts.permissions import check_active
from app.accounts.users import (
    _revoke_tokens,
    check_password,
    hash_password,
    normalize_email,
    verify_password,
)
from app.db import session_scope
from app.errors import InvalidInput, NotFound, ShortlistError
from app.models import PasswordReset, User, utcnow
from app.settings import Settings, get_settings

log = logging.getLogger("shortlist.accounts")
reset_t = PasswordReset.__table__

RESET_PATH = "/reset-password"
REQUEST_ANSWER = ("If an active account uses this email, a link to choose a new password is"
                  " on its way. Check your inbox (and the spam folder).")
# Password changes (right or wrong current password) one account may try per window.
MAX_CHANGES = 10
CHANGES_WINDOW_S = 900


class TooManyRequests(ShortlistError):
    """Too many requests. Try again later."""

    code = "too_many_requests"


def _aware(moment: datetime) -> datetime:
    # SQLite gives datetimes back without their time zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_password(session: Session, user: User, password: str) -> int:
    """Set the password; end sessions, tokens and open links. Returns tokens revoked."""
    now = utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.must_change_password = False
    session.execute(update(reset_t).where(reset_t.c.user_id == user.id,
                                          reset_t.c.used_at.is_(None)).values(used_at=now))
    return _revoke_tokens(session, user.id)


# --- Changing one's own password -------------------------------------------------------

@dataclass(frozen=True)
class Changed:
    user: User  # as stored now: its `password_changed_at` is the session's new stamp
    tokens_revoked: int


def active_token_count(user: User) -> int:
    """How many API tokens a new password would revoke (said before the change)."""
    return sum(1 for t in tokens.list_tokens(user) if t.active)


def change_password(user: User, current: str, new: str) -> Changed:
    """The signed-in person sets a new password, giving the current one."""
    check_active(user)
    if not current:
        raise InvalidInput("Enter your current password.")
    check_password(new)
    with session_scope() as session:
        stored = session.get(User, user.id)
        if stored is None:
            raise NotFound("We could not find your account.")
        check_active(stored)
        # Counted before the check: a stolen session must not guess the password (to take
        # the account) endlessly.
        _limit("change-password", str(user.id), MAX_CHANGES, CHANGES_WINDOW_S)
        if len(current) > 1024 or not verify_password(stored.password_hash, current):
            raise InvalidInput("The current password is not right.")
        if verify_password(stored.password_hash, new):
            raise InvalidInput("The new password is the one you have now: choose another.")
        revoked = _new_password(session, stored, new)
        record_action(session, stored, "change_password", user_id=stored.id,
                      tokens_revoked=revoked)
        session.flush()
        session.refresh(stored)
        return Changed(stored, revoked)


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _limit(name: str, subject: str, limit: int, window_s: int) -> None:
    decision = ratelimit.hit(name, subject, limit, window_s)
    if not decision.allowed:
        raise TooManyRequests(f"Too many tries. Please try again in"
                              f" {_minutes(decision.retry_after_s)}.",
                              retry_after_s=decision.retry_after_s)


# --- "Forgot password" links -----------------------------------------------------------

def reset_links_enabled(settings: Settings | None = None) -> bool:
    """Offered when e-mail can be sent and links have a trusted address (PUBLIC_URL)."""
    settings = settings or get_settings()
    return mail.configured(settings) and bool(settings.public_url)


def request_reset(email: str, client_ip: str) -> str:
    """Send a reset link if an active account uses `email`; return `REQUEST_ANSWER`
    whatever happened, so the answer never tells whether an account exists. Raises
    TooManyRequests (for any email, known or not) over the limits."""
    settings = get_settings()
    if not reset_links_enabled(settings):
        raise InvalidInput("Resetting a password by e-mail is not set up here. Ask your"
                           " administrator for a new password.")
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise InvalidInput("Please enter the email address you sign in with.") from None
    per_hour = settings.password_reset_max_per_hour
    _limit("password-reset-client", client_ip or "unknown", per_hour * 4, 3600)
    _limit("password-reset-email", _hash(email), per_hour, 3600)
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or not user.active:
            log.info("password reset asked for an email without an active account")
            return REQUEST_ANSWER
        now = utcnow()
        session.add(PasswordReset(user_id=user.id, token_hash=_hash(token), created_at=now,
                                  expires_at=now + timedelta(seconds=settings.password_reset_ttl_s)))
        record_action(session, user, "request_password_reset", user_id=user.id,
                      client=client_ip or "unknown")
    mail.send_soon(reset_message(email, token, settings), retries=1, settings=settings)
    return REQUEST_ANSWER


def reset_link(token: str, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return f"{settings.public_url}{RESET_PATH}?token={token}"


def reset_message(email: str, token: str, settings: Settings) -> EmailMessage:
    minutes = settings.password_reset_ttl_s // 60
    body = (f"Someone (we hope you) asked to choose a new password for {email} on"
            f" Shortlist.\n\nOpen this link to choose it; it works once, for {minutes}"
            f" minutes:\n\n{reset_link(token, settings)}\n\nChoosing a new password signs"
            " you out everywhere and revokes your API tokens.\nIf you did not ask, ignore"
            " this message: your password stays as it is.\n")
    return mail.message(email, "Choose a new Shortlist password", body, settings)


class LinkState(enum.Enum):
    valid = "valid"
    used = "used"
    expired = "expired"
    unknown = "unknown"


LINK_PROBLEMS = {
    LinkState.used: "This link was already used: each link works once. If you still need a"
                    " new password, ask for another link.",
    LinkState.expired: "This link has expired. Ask for a new one: a link works for a"
                       " limited time.",
    LinkState.unknown: "This link is not valid. Check that you copied all of it, or ask for"
                       " a new one.",
}


@dataclass(frozen=True)
class LinkCheck:
    state: LinkState
    email: str | None = None  # shown on the page, for a valid link only

    @property
    def problem(self) -> str | None:
        return LINK_PROBLEMS.get(self.state)


def _state(row: PasswordReset | None, now: datetime) -> LinkState:
    if row is None:
        return LinkState.unknown
    if row.used_at is not None:
        return LinkState.used
    if _aware(row.expires_at) <= now:
        return LinkState.expired
    return LinkState.valid


def check_link(token: str | None) -> LinkCheck:
    """What opening a reset link shows: a form (valid) or why not."""
    if not token or len(token) > 200:
        return LinkCheck(LinkState.unknown)
    with session_scope() as session:
        row = session.exec(select(PasswordReset).where(
            PasswordReset.token_hash == _hash(token))).first()
        state = _state(row, utcnow())
        if state is not LinkState.valid:
            return LinkCheck(state)
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return LinkCheck(LinkState.unknown)
        return LinkCheck(state, user.email)


class LinkNotUsable(ShortlistError):
    """This link cannot be used."""

    code = "link_not_usable"


def reset_with_link(token: str, new: str) -> User:
    """Set a new password with a link: once, before it expires. Raises LinkNotUsable
    (with the reason) or InvalidInput (a password breaking the rules: the link stays)."""
    check_password(new)
    if not token or len(token) > 200:
        raise LinkNotUsable(LINK_PROBLEMS[LinkState.unknown])
    with session_scope() as session:
        row = session.exec(select(PasswordReset).where(
            PasswordReset.token_hash == _hash(token))).first()
        now = utcnow()
        state = _state(row, now)
        user = session.get(User, row.user_id) if row is not None else None
        if state is LinkState.valid and (user is None or not user.active):
            state = LinkState.unknown
        if state is not LinkState.valid:
            raise LinkNotUsable(LINK_PROBLEMS[state])
        # The claim: of two tabs sending the form at once, one wins; the other is "used".
        claimed = session.execute(update(reset_t).where(
            reset_t.c.id == row.id, reset_t.c.used_at.is_(None)).values(used_at=now)).rowcount
        if claimed != 1:
            raise LinkNotUsable(LINK_PROBLEMS[LinkState.used])
        revoked = _new_password(session, user, new)
        record_action(session, user, "reset_password_by_link", user_id=user.id,
                      tokens_revoked=revoked)
        session.flush()
        session.refresh(user)
        return user
