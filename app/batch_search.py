"""Find batches: one filtered, sorted, cursor-paginated search for the API and the dashboards.

A recruiter sees only their own batches, admins (read-only ones too) everyone's. Filters
combine with AND; each filter's values with OR. The text filter matches the title or any
item's file name (case-insensitive substring).

Pages follow a keyset cursor on (created_at, id), never an offset: a page costs the same
at the millionth row as at the first, and batches submitted while someone pages through
the newest-first list appear before the first page, so later pages have neither
duplicates nor gaps. The cursor is opaque to clients (base64 of the last row's key).

Indexes used (PostgreSQL): ix_batch_owner_created for a recruiter's list,
ix_batch_created_at for an admin's, ix_batch_status_lane for status and lane, and
ix_item_batch_status_id for the items of a batch. A file-name search of everyone's
batches is a scan of item names; a trigram index (pg_trgm) would make it an index lookup.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import and_, false, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from app.batches import get_batch
from app.db import get_engine
from app.errors import InvalidInput
from app.kinds import KINDS, get_kind
from app.models import Batch, BatchStatus, Item, ItemStatus, User
from app.permissions import check_active, check_read, is_admin
from app.settings import LANES

batch_t, item_t, user_t = Batch.__table__, Item.__table__, User.__table__

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_TEXT_CHARS = 200
SORTS = ("newest", "oldest")
# Up to this many batches, a file-name search reads only their items (see _file_name_match).
MAX_NAME_SEARCH_BATCHES = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidCursor(InvalidInput):
    """This page cursor is not valid. Use the next_cursor of the previous page as it is."""

    code = "invalid_cursor"


@dataclass(frozen=True)
class BatchFilter:
    """What to look for; empty means everything (the caller may see)."""

    statuses: Sequence[str] = ()
    lanes: Sequence[str] = ()
    kinds: Sequence[str] = ()
    # An owner's id ("42") or a part of their email ("@acme.com").
    owner: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    text: str | None = None


@dataclass(frozen=True)
class BatchRow:
    batch: Batch
    owner_email: str


@dataclass(frozen=True)
class BatchPage:
    rows: list[BatchRow] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class ItemPage:
    rows: list[Item] = field(default_factory=list)
    next_cursor: str | None = None


# --- Cursors ---------------------------------------------------------------------------


def encode_cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        if len(cursor) > 512:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


def _batch_cursor(row, sort: str) -> str:
    return encode_cursor({"s": sort, "t": _as_utc(row["created_at"]).isoformat(),
                          "i": str(row["id"])})


def _batch_after(cursor: str, sort: str) -> ColumnElement[bool]:
    data = decode_cursor(cursor)
    try:
        if data.get("s") != sort:
            raise ValueError("another sort order")
        created = _as_utc(datetime.fromisoformat(data["t"]))
        batch_id = uuid.UUID(data["i"])
    except (KeyError, TypeError, ValueError):
        raise InvalidCursor() from None
    created_at, id_ = batch_t.c.created_at, batch_t.c.id
    if sort == "newest":
        return and_(created_at <= created,
                    or_(created_at < created, and_(created_at == created, id_ < batch_id)))
    return and_(created_at >= created,
                or_(created_at > created, and_(created_at == created, id_ > batch_id)))


# --- Filters ---------------------------------------------------------------------------


def _as_utc(moment: datetime) -> datetime:
    """Times without a zone are UTC (what the database stores)."""
    try:
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None \
            else moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise InvalidInput("That date is out of range.") from None


def _clean(text: str | None) -> str:
    """Search text on one line, without control characters (PostgreSQL refuses NUL)."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _one_of(values: Sequence[str], allowed: Sequence[str], label: str) -> list[str]:
    values = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(f"Unknown {label} {unknown[0]!r}: use one of {', '.join(allowed)}.")
    return values


def _file_name_match(conn: Connection, where: list[ColumnElement[bool]],
                     pattern: str) -> ColumnElement[bool]:
    """Batches with an item whose file name matches, among those passing the other filters.

    When few batches pass them (a recruiter's own, a status, a day), their items are read
    through ix_item_batch_status_id: a few thousand names, not a million. Otherwise this
    is a scan of every item name (an admin searching everything): the planner cannot know
    how rare a substring is, so it is asked one question at a time.
    """
    ids = conn.execute(select(batch_t.c.id).where(*where)
                       .limit(MAX_NAME_SEARCH_BATCHES + 1)).scalars().all()
    name = item_t.c.name.ilike(pattern, escape="\\")
    if len(ids) > MAX_NAME_SEARCH_BATCHES:
        return batch_t.c.id.in_(select(item_t.c.batch_id).where(name))
    hits = conn.execute(select(item_t.c.batch_id).where(item_t.c.batch_id.in_(ids), name)
                        .distinct()).scalars().all() if ids else []
    return batch_t.c.id.in_(hits) if hits else false()


def _conditions(conn: Connection, user: User, filters: BatchFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if not is_admin(user):
        where.append(batch_t.c.owner_id == user.id)
    statuses = _one_of(filters.statuses, [s.value for s in BatchStatus], "status")
    if statuses:
        where.append(batch_t.c.status.in_(statuses))
    lanes = _one_of(filters.lanes, LANES, "lane")
    if lanes:
        where.append(batch_t.c.lane.in_(lanes))
    get_kind("noop")  # loads the built-in kinds, so KINDS is complete
    kinds = _one_of(filters.kinds, sorted(KINDS), "kind")
    if kinds:
        where.append(batch_t.c.kind.in_(kinds))
    owner = _clean(filters.owner)
    if owner:
        # ASCII digits only: "²".isdigit() is true, and int("²") fails.
        if owner.isascii() and owner.isdigit():
            owner_id = int(owner) if len(owner) <= 10 and int(owner) < 2**31 else -1
            where.append(batch_t.c.owner_id == owner_id)
        else:
            if len(owner) > 254:
                raise InvalidInput("The owner filter is too long.")
            where.append(batch_t.c.owner_id.in_(
                select(user_t.c.id).where(user_t.c.email.ilike(_like(owner.lower()),
                                                                escape="\\"))))
    if filters.created_from is not None:
        where.append(batch_t.c.created_at >= _as_utc(filters.created_from))
    if filters.created_to is not None:
        where.append(batch_t.c.created_at < _as_utc(filters.created_to))
    text = _clean(filters.text)
    if text:
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInput(f"Search for at most {MAX_TEXT_CHARS} characters.")
        pattern = _like(text)
        where.append(or_(batch_t.c.title.ilike(pattern, escape="\\"),
                         _file_name_match(conn, where, pattern)))
    return where


def _limit(limit: int) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise InvalidInput("The page size must be a whole number.") from None
    return min(max(1, limit), MAX_LIMIT)


# --- Queries ---------------------------------------------------------------------------


def search(user: User, filters: BatchFilter | None = None, *, cursor: str | None = None,
           limit: int = DEFAULT_LIMIT, sort: str = "newest") -> BatchPage:
    """One page of the batches `user` may see that match `filters`, in `sort` order."""
    check_active(user)
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}.")
    limit = _limit(limit)
    if sort == "newest":
        order = (batch_t.c.created_at.desc(), batch_t.c.id.desc())
    else:
        order = (batch_t.c.created_at.asc(), batch_t.c.id.asc())
    after = _batch_after(cursor, sort) if cursor else None
    with get_engine().connect() as conn:
        where = _conditions(conn, user, filters or BatchFilter())
        if after is not None:
            where.append(after)
        query = (select(batch_t, user_t.c.email.label("owner_email"))
                 .join(user_t, user_t.c.id == batch_t.c.owner_id)
                 .where(*where).order_by(*order).limit(limit + 1))
        rows = conn.execute(query).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    page = [BatchRow(Batch(**{k: v for k, v in r.items() if k != "owner_email"}),
                     r["owner_email"]) for r in rows]
    return BatchPage(page, _batch_cursor(rows[-1], sort) if more else None)


def batch_items(user: User, batch_id: uuid.UUID | str, *, statuses: Sequence[str] = (),
                cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> ItemPage:
    """One page of a batch's items in upload order, optionally only some states."""
    batch = get_batch(user, batch_id)
    limit = _limit(limit)
    statuses = _one_of(statuses, [s.value for s in ItemStatus], "item status")
    where = [item_t.c.batch_id == batch.id]
    if statuses:
        where.append(item_t.c.status.in_(statuses))
    if cursor:
        data = decode_cursor(cursor)
        after = data.get("i")
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**62 \
                or data.get("b") != str(batch.id):
            raise InvalidCursor()
        where.append(item_t.c.id > after)
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(item_t).where(*where).order_by(item_t.c.id).limit(limit + 1)
        ).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"b": str(batch.id), "i": rows[-1]["id"]}) if more else None
    return ItemPage([Item(**r) for r in rows], next_cursor)


def by_idempotency_key(user: User, key: str) -> Batch | None:
    """The user's batch submitted with this idempotency key, if any."""
    check_active(user)
    key = (key or "").strip()[:200]
    if not key or _CONTROL.search(key):
        return None
    with get_engine().connect() as conn:
        row = conn.execute(
            select(batch_t).where(batch_t.c.owner_id == user.id,
                                  batch_t.c.idempotency_key == key)
        ).mappings().first()
    return check_read(user, Batch(**row)) if row else None
