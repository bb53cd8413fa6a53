"""A user's API tokens: list, issue, revoke. Creation itself stays in app.accounts.users.create_token.

A token is shown once, when it is made; only its SHA-256 and its first characters (the
prefix, to recognise it in a list) are stored. Everyone manages their own tokens; an admin
may also list (read-only admins too) and revoke (full admins only) anyone's. Someone
else's token looks exactly like a missing one. Revoking is idempotent and immediate: the
next request with the token is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from app.accounts import users
from app.accounts.audit import record_action
from app.accounts.permissions import can_change_anything, check_active, is_admin
from app.db import get_engine
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import ApiToken, User, utcnow

token_t = ApiToken.__table__
MAX_ACTIVE_TOKENS = 50
MAX_NAME_CHARS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token after its creation (never the token itself)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _info(row) -> TokenInfo:
    return TokenInfo(id=row.id, user_id=row.user_id, name=row.name, prefix=row.prefix,
                     created_at=row.created_at, last_used_at=row.last_used_at,
                     revoked_at=row.revoked_at)


_COLUMNS = (token_t.c.id, token_t.c.user_id, token_t.c.name, token_t.c.prefix,
            token_t.c.created_at, token_t.c.last_used_at, token_t.c.revoked_at)


def clean_name(name: str | None) -> str:
    name = " ".join(_CONTROL.sub(" ", name or "").split())
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"A token name has at most {MAX_NAME_CHARS} characters.")
    return name


def issue(user: User, name: str = "") -> tuple[TokenInfo, str]:
    """A new token for the user themself: (its description, the token, shown once)."""
    check_active(user)
    name = clean_name(name)
    with get_engine().connect() as conn:
        active = conn.execute(
            select(func.count()).select_from(token_t)
            .where(token_t.c.user_id == user.id, token_t.c.revoked_at.is_(None))
        ).scalar_one()
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(f"You already have {MAX_ACTIVE_TOKENS} active API tokens."
                       " Revoke one you no longer use first.")
    token = users.create_token(user.email, name)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with get_engine().connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(token_t.c.token_hash == digest)).one()
    return _info(row), token


def list_tokens(user: User, *, owner_id: int | None = None) -> list[TokenInfo]:
    """The tokens of `owner_id` (default: the user's own), newest first, revoked ones too."""
    check_active(user)
    owner_id = user.id if owner_id is None else owner_id
    if owner_id != user.id and not is_admin(user):
        return []
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(*_COLUMNS).where(token_t.c.user_id == owner_id)
            .order_by(token_t.c.created_at.desc(), token_t.c.id.desc())
        ).all()
    return [_info(r) for r in rows]


def get_token(user: User, token_id: int) -> TokenInfo:
    check_active(user)
    if not 0 < token_id < 2**31:  # an INTEGER column
        raise NotFound("We could not find that API token.")
    with get_engine().connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(token_t.c.id == token_id)).first()
    if row is None or not (row.user_id == user.id or is_admin(user)):
        raise NotFound("We could not find that API token.")
    return _info(row)


def revoke(user: User, token_id: int) -> TokenInfo:
    """Revoke a token now; revoking a revoked token changes nothing."""
    token = get_token(user, token_id)
    if token.user_id != user.id and not can_change_anything(user):
        raise PermissionDenied("Your account can view everything but change nothing.")
    if token.revoked_at is not None:
        return token
    with get_engine().begin() as conn:
        conn.execute(update(token_t)
                     .where(token_t.c.id == token.id, token_t.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
        row = conn.execute(select(*_COLUMNS).where(token_t.c.id == token.id)).one()
        with Session(bind=conn) as session:
            # Recorded whoever revokes (as creating one is): a token is a password of its own.
            record_action(session, user, "revoke_token", token_id=token.id,
                          owner_id=token.user_id, name=token.name, prefix=token.prefix)
            session.commit()
    return _info(row)
