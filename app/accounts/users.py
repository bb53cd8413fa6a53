"""Users, passwords and API tokens: the one home of these rules.

Admin user management (list, create, deactivate, role, plan and quota, password reset) is
here too: each checks the acting admin first (a read-only admin changes nothing), records
an audit row in the same transaction, and guards against lock-out: nobody deactivates or
changes the role of their own account, and the last active admin stays an active admin.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, select

from app.accounts.audit import record_action, record_admin_action
from app.accounts.permissions import check_active, check_admin_action, is_admin
from app.db import session_scope
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import ApiToken, Batch, Plan, Role, User, utcnow

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "sl_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("Please enter a valid email address, like name@example.com.")
    return email


def check_password(password: str) -> None:
    if not password or not password.strip():
        raise InvalidInput("The password is empty. Please choose a password.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if len(password) > 1024:
        raise InvalidInput("The password is too long: use at most 1024 characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_role(role: str) -> str:
    if role not in Role.__members__:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(Role)}.")
    return str(role)


def _check_plan(plan: str) -> str:
    if plan not in Plan.__members__:
        raise InvalidInput(f"Unknown plan {plan!r}: use one of {', '.join(Plan)}.")
    return str(plan)


def _insert_user(session: Session, email: str, password: str, role: str, plan: str,
                 max_items_per_batch: int | None = None, *, one_time: bool = False) -> User:
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict(f"A user with the email {email} already exists.")
    # A one-time password was seen by someone else: its holder must choose their own.
    user = User(email=email, password_hash=hash_password(password), role=role, plan=plan,
                max_items_per_batch=max_items_per_batch, must_change_password=one_time)
    session.add(user)
    session.flush()
    session.refresh(user)
    return user


def create_user(
    email: str, password: str, *, role: str = Role.recruiter, plan: str = Plan.free,
    one_time: bool = False,
) -> User:
    email = normalize_email(email)
    check_password(password)
    role, plan = _check_role(role), _check_plan(plan)
    with session_scope() as session:
        return _insert_user(session, email, password, role, plan, one_time=one_time)


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this email (any case, spaces trimmed) in the caller's session."""
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def get_user_by_email(email: str) -> User:
    email = normalize_email(email)
    with session_scope() as session:
        user = user_by_email(session, email)
        if user is None:
            raise NotFound(f"There is no user with the email {email}.")
        return user


def count_users() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(User)).one()


def ensure_first_admin(email: str = "admin@localhost.localdomain") -> tuple[str, str] | None:
    """On a new installation create an admin with a random password; return it once. It
    was printed on a console: the first sign-in asks for a new one."""
    if count_users() > 0:
        return None
    password = secrets.token_urlsafe(12)
    create_user(email, password, role=Role.admin, plan=Plan.enterprise, one_time=True)
    return email, password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, name: str = "") -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    user = get_user_by_email(email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope() as session:
        row = ApiToken(user_id=user.id, name=name[:100], token_hash=_token_hash(token),
                       prefix=token[:10])
        session.add(row)
        session.flush()
        # A token is a password of its own: its creation is in the log (never the token).
        record_action(session, user, "create_token", token_id=row.id, name=row.name,
                      prefix=row.prefix)
    return token


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    with session_scope() as session:
        row = session.exec(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
        ).first()
        if row is None or not row[1].active:
            return None
        row[0].last_used_at = utcnow()
        return row[1]


def token_holder(token_hash: str) -> User | None:
    """The active user of the unrevoked token with this SHA-256, else None. One read, no
    write: a long-lived request (an event stream) asks it again at each keep-alive."""
    with session_scope() as session:
        user = session.exec(
            select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        ).first()
        return user if user is not None and user.active else None


# --- Admin user management -------------------------------------------------------------

MAX_QUOTA = 1_000_000
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    role: str
    plan: str
    max_items_per_batch: int | None  # None: the plan's quota
    active: bool
    created_at: datetime
    batches: int


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow] = field(default_factory=list)
    next_cursor: str | None = None


def one_time_password() -> str:
    """Shown once to the admin, who passes it on; long enough for MIN_PASSWORD_LENGTH."""
    return secrets.token_urlsafe(12)


def _after_email(cursor: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or not isinstance(data.get("e"), str):
            raise ValueError("not a cursor")
        return data["e"]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("This page of users is no longer valid; start again from the"
                           " first page.") from None


def list_users(admin: User, *, text: str | None = None, roles: tuple[str, ...] = (),
               active: bool | None = None, cursor: str | None = None,
               limit: int = DEFAULT_LIMIT) -> UserPage:
    """Users by email, with how many screenings each submitted. Admins (read-only too)."""
    check_active(admin)
    if not is_admin(admin):
        raise PermissionDenied("Only an admin can see the users.")
    limit = min(max(1, int(limit)), MAX_LIMIT)
    query = select(User)
    text = " ".join((text or "").split()).lower()[:254]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.email.ilike(f"%{escaped}%", escape="\\"))
    if roles:
        query = query.where(User.role.in_([_check_role(r) for r in roles]))
    if active is not None:
        query = query.where(User.active.is_(active))
    if cursor:
        query = query.where(User.email > _after_email(cursor))
    with session_scope() as session:
        found = list(session.exec(query.order_by(User.email).limit(limit + 1)))
        more, found = len(found) > limit, found[:limit]
        counts = dict(session.exec(
            select(Batch.owner_id, func.count()).where(Batch.owner_id.in_([u.id for u in found]))
            .group_by(Batch.owner_id)).all()) if found else {}
    rows = [UserRow(u.id, u.email, u.role, u.plan, u.max_items_per_batch, u.active,
                    u.created_at, counts.get(u.id, 0)) for u in found]
    next_cursor = base64.urlsafe_b64encode(json.dumps({"e": found[-1].email}).encode()
                                           ).decode().rstrip("=") if more else None
    return UserPage(rows, next_cursor)


def _check_quota(max_items_per_batch: int | None) -> int | None:
    if max_items_per_batch is None:
        return None
    if isinstance(max_items_per_batch, bool) or not isinstance(max_items_per_batch, int) \
            or not 1 <= max_items_per_batch <= MAX_QUOTA:
        raise InvalidInput(f"The most resumes per screening is a whole number from 1 to"
                           f" {MAX_QUOTA:,}; leave it empty to use the plan's limit.")
    return max_items_per_batch


def admin_create_user(admin: User, email: str, *, role: str = Role.recruiter,
                      plan: str = Plan.free, max_items_per_batch: int | None = None,
                      ) -> tuple[User, str]:
    """A new account with a one-time password, returned once (only its hash is kept)."""
    check_admin_action(admin, "create users")
    email = normalize_email(email)
    role, plan = _check_role(role), _check_plan(plan)
    quota = _check_quota(max_items_per_batch)
    password = one_time_password()
    with session_scope() as session:
        user = _insert_user(session, email, password, role, plan, quota, one_time=True)
        record_admin_action(session, admin, "create_user", user_id=user.id, email=email,
                            role=role, plan=plan, max_items_per_batch=quota)
    return user, password


def _target(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound("We could not find that user.")
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse when `user` is the last active admin (checked under a lock on the admins'
    rows, so two admins demoting each other at once cannot both succeed)."""
    admins = session.exec(select(User.id).where(User.role == Role.admin.value,
                                                User.active.is_(True)).with_for_update()).all()
    if user.role == Role.admin.value and user.active and set(admins) <= {user.id}:
        raise Conflict(f"{user.email} is the last active admin. Make another account an"
                       " admin first, so that someone can still manage Shortlist.")


def _own_account(admin: User, user: User, what: str) -> None:
    if user.id == admin.id:
        raise Conflict(f"You cannot {what} your own account: you would lock yourself out."
                       " Ask another admin to do it.")


def _revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every API token of a user (a password reset, a deactivation): a token is a
    password of its own, so it must not outlive the event that ended the old trust, nor
    come back with a reactivation. Returns how many were revoked."""
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user_id,
                                                 ApiToken.revoked_at.is_(None))).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def set_active(admin: User, user_id: int, active: bool) -> User:
    """Deactivate (signed out at their next click, API tokens revoked for good) or
    reactivate (they sign in again; revoked tokens stay revoked)."""
    check_admin_action(admin, "deactivate users" if not active else "activate users")
    with session_scope() as session:
        user = _target(session, user_id)
        if user.active == bool(active):
            return user
        if not active:
            _own_account(admin, user, "deactivate")
            _keep_an_admin(session, user)
        user.active = bool(active)
        revoked = 0 if active else _revoke_tokens(session, user.id)
        record_admin_action(session, admin, "activate_user" if active else "deactivate_user",
                            user_id=user.id, email=user.email,
                            **({} if active else {"tokens_revoked": revoked}))
        session.flush()
        session.refresh(user)
        return user


def change_role(admin: User, user_id: int, role: str) -> User:
    check_admin_action(admin, "change roles")
    role = _check_role(role)
    with session_scope() as session:
        user = _target(session, user_id)
        if user.role == role:
            return user
        _own_account(admin, user, "change the role of")
        if role != Role.admin.value:
            _keep_an_admin(session, user)
        record_admin_action(session, admin, "change_role", user_id=user.id, email=user.email,
                            role_from=user.role, role_to=role)
        user.role = role
        session.flush()
        session.refresh(user)
        return user


def change_plan(admin: User, user_id: int, plan: str,
                max_items_per_batch: int | None = None) -> User:
    """The plan (its lane and quota) and an own quota; None: the plan's quota applies."""
    check_admin_action(admin, "change plans and quotas")
    plan, quota = _check_plan(plan), _check_quota(max_items_per_batch)
    with session_scope() as session:
        user = _target(session, user_id)
        before: dict[str, Any] = {"plan": user.plan, "max_items_per_batch":
                                  user.max_items_per_batch}
        if before == {"plan": plan, "max_items_per_batch": quota}:
            return user
        record_admin_action(session, admin, "change_plan", user_id=user.id, email=user.email,
                            before=before, after={"plan": plan, "max_items_per_batch": quota})
        user.plan, user.max_items_per_batch = plan, quota
        session.flush()
        session.refresh(user)
        return user


def reset_password(admin: User, user_id: int) -> str:
    """A new one-time password for the user, returned once (their next sign-in asks for
    their own); the old one, every session opened with it and every API token of the user
    stop working."""
    check_admin_action(admin, "reset passwords")
    password = one_time_password()
    with session_scope() as session:
        user = _target(session, user_id)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.must_change_password = True
        revoked = _revoke_tokens(session, user.id)
        # The password itself is never recorded.
        record_admin_action(session, admin, "reset_password", user_id=user.id,
                            email=user.email, tokens_revoked=revoked)
    return password


def set_password(email: str, password: str) -> User:
    """For whoever operates the deployment (the command line): a forgotten password, the
    first admin's included. Every session opened with the old one and every API token
    of the user stop working. The operator typed it, so it is not a one-time password."""
    check_password(password)
    with session_scope() as session:
        user = user_by_email(session, email)
        if user is None:
            raise NotFound(f"There is no user {normalize_email(email)}.")
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.must_change_password = False
        _revoke_tokens(session, user.id)
    return user
