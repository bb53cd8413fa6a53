"""Users, passwords and API tokens: the one home of these rules."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import func, select

from app.db import session_scope
from app.errors import Conflict, InvalidInput, NotFound
from app.models import ApiToken, Plan, Role, User, utcnow

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


def create_user(
    email: str, password: str, *, role: str = Role.recruiter, plan: str = Plan.free
) -> User:
    email = normalize_email(email)
    check_password(password)
    if role not in Role.__members__:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(Role)}.")
    if plan not in Plan.__members__:
        raise InvalidInput(f"Unknown plan {plan!r}: use one of {', '.join(Plan)}.")
    with session_scope() as session:
        if session.exec(select(User).where(User.email == email)).first():
            raise Conflict(f"A user with the email {email} already exists.")
        user = User(email=email, password_hash=hash_password(password), role=role, plan=plan)
        session.add(user)
        session.flush()
        session.refresh(user)
        return user


def get_user_by_email(email: str) -> User:
    email = normalize_email(email)
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            raise NotFound(f"There is no user with the email {email}.")
        return user


def count_users() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(User)).one()


def ensure_first_admin(email: str = "admin@localhost.localdomain") -> tuple[str, str] | None:
    """On a new installation create an admin with a random password; return it once."""
    if count_users() > 0:
        return None
    password = secrets.token_urlsafe(12)
    create_user(email, password, role=Role.admin, plan=Plan.enterprise)
    return email, password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, name: str = "") -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    user = get_user_by_email(email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope() as session:
        session.add(ApiToken(user_id=user.id, name=name[:100], token_hash=_token_hash(token),
                             prefix=token[:10]))
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
