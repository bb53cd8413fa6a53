"""The audit log: who did what to which batches, when. Written, never edited.

Rows are written by `record_admin_action`, in the same transaction as the action. A bulk
action runs many per-batch actions, each recording its own row; inside `part_of(...)`
those rows carry the bulk action's id, and the bulk action's own row lists the batches.
The one read is `search`: filtered, newest first, keyset-paginated on (at, id), each entry
with the titles of the screenings and the accounts it names.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from app.accounts.permissions import check_active, is_admin
from app.db import get_engine
from app.errors import InvalidInput, PermissionDenied
from app.models import AuditEvent, Batch, User

audit_t, user_t, batch_t = AuditEvent.__table__, User.__table__, Batch.__table__
MAX_LIMIT = 200
BULK_SHOWN = 5  # a bulk entry names its first screenings; the others are counted
# What the log's filter offers; a filter may name any other action too.
ACTIONS = ("submit", "cancel", "retry", "move", "delete", "bulk_cancel", "bulk_retry",
           "bulk_move", "bulk_delete", "keep", "forget_candidate", "add_items",
           "retry_failure_group", "pause_lane", "resume_lane",
           "create_user", "deactivate_user", "activate_user", "change_role", "change_plan",
           "reset_password", "create_token", "revoke_token", "change_password",
           "request_password_reset", "reset_password_by_link",
           "share", "revoke_share", "view_share")
_ACTION = re.compile(r"^[a-z_]{1,64}$")
_part_of: ContextVar[str | None] = ContextVar("audit_part_of", default=None)


def record_admin_action(session: Session, user: User, action: str,
                        batch_id: uuid.UUID | None = None, **details: Any) -> None:
    """Every action of an admin is recorded, in the same transaction as the action."""
    if is_admin(user):
        record_action(session, user, action, batch_id, **details)


def record_action(session: Session, user: User, action: str,
                  batch_id: uuid.UUID | None = None, **details: Any) -> None:
    """An action recorded whoever took it (deleting personal data, keeping it longer):
    that it happened, never the content."""
    bulk = _part_of.get()
    if bulk is not None:
        details.setdefault("bulk", bulk)
    session.add(AuditEvent(actor_id=user.id, action=action, batch_id=batch_id,
                           details={"by": user.email, **details}))


def record_anonymous(session: Session, action: str, batch_id: uuid.UUID | None = None, *,
                     by: str, **details: Any) -> None:
    """An action of someone who is not signed in (a share link's viewer): no account, so
    `actor_id` stays empty and `by` says who it was instead of an email."""
    session.add(AuditEvent(actor_id=None, action=action, batch_id=batch_id,
                           details={"by": by, **details}))


@contextmanager
def part_of(bulk_id: str) -> Iterator[None]:
    """Rows recorded inside (in this thread) name the bulk action they belong to."""
    token = _part_of.set(bulk_id)
    try:
        yield
    finally:
        _part_of.reset(token)


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # a part of the admin's email
    actions: tuple[str, ...] = ()
    batch_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class BatchRef:
    """A screening an entry names: its title now, or, once deleted, the title its
    deletion recorded (when that entry is on the same page), else None."""
    id: uuid.UUID
    title: str | None
    exists: bool


@dataclass(frozen=True)
class UserRef:
    id: int | None
    email: str
    exists: bool  # the account is still there (accounts are deactivated, not deleted)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_email: str  # the email when it happened: it stays after the account is gone
    action: str
    batch_id: uuid.UUID | None
    details: dict[str, Any]
    actor: UserRef | None = None
    batch: BatchRef | None = None
    # A bulk action's first screenings (BULK_SHOWN of them), and how many more it changed.
    batches: tuple[BatchRef, ...] = ()
    more_batches: int = 0
    subject: UserRef | None = None  # the account a user action changed


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow] = field(default_factory=list)
    next_cursor: str | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None \
        else moment.astimezone(timezone.utc)


def _cursor(row) -> str:
    raw = json.dumps({"t": _utc(row["at"]).isoformat(), "i": row["id"]}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str):
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at, id_ = _utc(datetime.fromisoformat(data["t"])), data["i"]
        if not isinstance(id_, int) or isinstance(id_, bool):
            raise ValueError("not an id")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("This page of the audit log is no longer valid; start again"
                           " from the first page.") from None
    return and_(audit_t.c.at <= at,
                or_(audit_t.c.at < at, and_(audit_t.c.at == at, audit_t.c.id < id_)))


def _conditions(filters: AuditFilter) -> list:
    where = []
    actor = " ".join((filters.actor or "").split()).lower()
    if actor:
        escaped = actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(audit_t.c.actor_id.in_(
            select(user_t.c.id).where(user_t.c.email.ilike(f"%{escaped}%", escape="\\"))))
    unknown = [a for a in filters.actions if not _ACTION.match(a or "")]
    if unknown:
        raise InvalidInput("An action is a name like cancel or change_role.")
    if filters.actions:
        where.append(audit_t.c.action.in_(list(filters.actions)))
    if filters.batch_id and filters.batch_id.strip():
        try:
            where.append(audit_t.c.batch_id == uuid.UUID(filters.batch_id.strip()))
        except ValueError:
            raise InvalidInput("That is not a screening id: copy it from the screening's"
                               " address, like 1b4e28ba-2fa1-11d2-883f-0016d3cca427.") from None
    if filters.since is not None:
        where.append(audit_t.c.at >= _utc(filters.since))
    if filters.until is not None:
        where.append(audit_t.c.at < _utc(filters.until))
    return where


def search(user: User, filters: AuditFilter | None = None, *, cursor: str | None = None,
           limit: int = 50) -> AuditPage:
    """One page of the audit log, newest first. Admins and read-only admins only."""
    check_active(user)
    if not is_admin(user):
        raise PermissionDenied("Only an admin can read the audit log.")
    limit = min(max(1, int(limit)), MAX_LIMIT)
    where = _conditions(filters or AuditFilter())
    if cursor:
        where.append(_after(cursor))
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(audit_t).where(*where)
            .order_by(audit_t.c.at.desc(), audit_t.c.id.desc()).limit(limit + 1)
        ).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        page = _named(conn, rows)
    return AuditPage(page, _cursor(rows[-1]) if more else None)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _named(conn, rows) -> list[AuditRow]:
    """The page's entries with the screenings' titles and the accounts they name: one
    query for the titles and one for the accounts, whatever the number of entries."""
    details = [dict(r["details"] or {}) for r in rows]
    bulk_ids = [[i for i in map(_uuid, (d.get("changed_ids") or [])[:BULK_SHOWN]) if i]
                for d in details]
    wanted = {r["batch_id"] for r in rows if r["batch_id"]} | {i for ids in bulk_ids for i in ids}
    titles = dict(conn.execute(select(batch_t.c.id, batch_t.c.title).where(
        batch_t.c.id.in_(list(wanted)))).all()) if wanted else {}
    # A deleted screening's title, as its deletion recorded it (no query: this page only).
    deleted = {r["batch_id"]: d.get("title") for r, d in zip(rows, details)
               if r["action"] == "delete" and r["batch_id"] and r["batch_id"] not in titles}

    def batch(batch_id: uuid.UUID) -> BatchRef:
        if batch_id in titles:
            return BatchRef(batch_id, titles[batch_id] or "", True)
        return BatchRef(batch_id, deleted.get(batch_id), False)

    subjects = [d.get("user_id") if isinstance(d.get("user_id"), int) else None
                for d in details]
    user_ids = {r["actor_id"] for r in rows if r["actor_id"]} | {i for i in subjects if i}
    emails = dict(conn.execute(select(user_t.c.id, user_t.c.email).where(
        user_t.c.id.in_(list(user_ids)))).all()) if user_ids else {}

    def account(user_id: int | None, recorded: str) -> UserRef:
        return UserRef(user_id, emails.get(user_id, recorded), user_id in emails)

    return [AuditRow(
        r["id"], r["at"], str(d.get("by", "")), r["action"], r["batch_id"], d,
        actor=account(r["actor_id"], str(d.get("by", ""))),
        batch=batch(r["batch_id"]) if r["batch_id"] else None,
        batches=tuple(batch(i) for i in ids),
        more_batches=max(0, len(d.get("changed_ids") or []) - len(ids)),
        subject=account(subject, str(d.get("email", ""))) if subject else None,
    ) for r, d, ids, subject in zip(rows, details, bulk_ids, subjects)]
