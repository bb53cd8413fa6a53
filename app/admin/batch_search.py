"""Find batches: one filtered, sorted, cursor-paginated search for the API and the dashboards.

A recruiter sees only their own batches, admins (read-only ones too) everyone's. Filters
combine with AND; each filter's values with OR. The text filter matches the title or, from
MIN_NAME_CHARS characters on, any item's file name (case-insensitive substring).

Pages follow a keyset cursor on (sort key, id), never an offset: a page costs the same
at the millionth row as at the first, and batches submitted while someone pages through
the newest-first list appear before the first page, so later pages have neither
duplicates nor gaps. The cursor is opaque to clients (base64 of the last row's key).
The API sorts by `newest`/`oldest`; the dashboard also by a column (`title`, `-total`).

Indexes used (PostgreSQL): ix_batch_owner_created for a recruiter's list,
ix_batch_created_at for an admin's, ix_batch_status_lane for status and lane,
ix_item_batch_status_id for the items of a batch, and the trigram indexes of migration
0004 (ix_batch_title_trgm, and ix_file_name_trgm on file_name) for the text search. Counts are capped
(`count_matching`): a count never walks more than its cap of matches.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from app.accounts.permissions import check_active, check_read, is_admin, visible_owner_ids
from app.db import InvalidCursor, decode_cursor, encode_cursor, get_engine
from app.engine.batches import get_batch
from app.engine.kinds import KINDS, get_kind
from app.errors import InvalidInput
from app.models import Batch, BatchStatus, FileName, Item, ItemStatus, User
from app.settings import LANES

batch_t, item_t, user_t = Batch.__table__, Item.__table__, User.__table__
names_t = FileName.__table__

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_TEXT_CHARS = 200
# Shorter text matches titles only: no trigram index helps below three characters, and a
# scan of every batch's file names for "cv" is not a search anyone waits for.
MIN_NAME_CHARS = 3
SORTS = ("newest", "oldest")  # the API's orders; sort_key() also takes "title", "-total"...
SORT_KEYS = ("created", "title", "owner", "status", "lane", "kind", "total", "failed")
# Up to this many batches, a file-name search reads only their names (_file_name_match).
MAX_NAME_SEARCH_BATCHES = 2000
# Up to this many matching file names, their batches are collected once (trigram index).
MAX_NAME_PROBE_ITEMS = 20_000
# What count_matching counts up to by default: every batch of a large installation, but
# fewer with a common file-name search, where each match costs a look at names.
COUNT_MAX, COUNT_MAX_TEXT = 10_000, 1_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


@dataclass(frozen=True)
class MatchCount:
    n: int  # exactly n, or more than n when `more`
    more: bool = False


# --- Sorting and cursors ---------------------------------------------------------------


def sort_key(sort: str) -> tuple[str, bool]:
    """(column, descending) of a sort: "newest", "oldest", "title" or "-title" (descending)."""
    if sort in SORTS:
        return "created", sort == "newest"
    key = sort[1:] if isinstance(sort, str) and sort.startswith("-") else sort
    if key not in SORT_KEYS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}, or a column"
                           f" ({', '.join(SORT_KEYS)}; with - first for descending).")
    return key, sort.startswith("-")


def _sort_column(key: str) -> ColumnElement:
    if key == "lane":  # by priority, not by name
        return case({lane: i for i, lane in enumerate(LANES)}, value=batch_t.c.lane, else_=99)
    return {"created": batch_t.c.created_at, "title": func.lower(batch_t.c.title),
            "owner": user_t.c.email, "status": batch_t.c.status, "kind": batch_t.c.kind,
            "total": batch_t.c.total, "failed": batch_t.c.n_failed}[key]


def _batch_cursor(row, sort: str) -> str:
    value = row["sort_value"]
    if isinstance(value, datetime):
        value = _as_utc(value).isoformat()
    return encode_cursor({"s": sort, "v": value, "i": str(row["id"])})


def _cursor_value(key: str, value: object) -> object:
    if key == "created":
        try:
            return _as_utc(datetime.fromisoformat(value))  # type: ignore[arg-type]
        except InvalidInput:  # a date the cursor never held: out of range in UTC
            raise ValueError("not a time") from None
    wanted = int if key in ("lane", "total", "failed") else str
    # Refused before they are bound: no column holds them, a huge int overflows the
    # database's integer and PostgreSQL refuses a NUL in text.
    if type(value) is not wanted or (wanted is int and not -2**31 <= value < 2**31) \
            or (wanted is str and (len(value) > 300 or "\x00" in value)):  # type: ignore
        raise ValueError("not a value of this column")
    return value


def _batch_after(cursor: str, sort: str) -> ColumnElement[bool]:
    data = decode_cursor(cursor)
    key, descending = sort_key(sort)
    try:
        if data.get("s") != sort:
            raise ValueError("another sort order")
        value = _cursor_value(key, data["v"] if "v" in data else data["t"])
        batch_id = uuid.UUID(data["i"])
    except (KeyError, TypeError, ValueError):
        raise InvalidCursor() from None
    column, id_ = _sort_column(key), batch_t.c.id
    # The redundant first bound lets the planner start the index range at the cursor.
    if descending:
        return and_(column <= value, or_(column < value, and_(column == value, id_ < batch_id)))
    return and_(column >= value, or_(column > value, and_(column == value, id_ > batch_id)))


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
    """Batches with a file whose name matches, among those passing the other filters.

    File names live in file_name (one row per item, never updated). Each way is bounded
    (measured on PostgreSQL with 10,000 batches and a million files): when few batches
    pass the other filters, their names are read by batch. Otherwise the trigram index
    finds the matching names; when there are not too many, or they sit in few batches
    (one big upload), their batches are the answer. Otherwise matches are everywhere, and
    the batches are walked in the page's order, each asked for one matching name: a page
    is found after a few dozen. `OFFSET 0` keeps PostgreSQL from hashing every match.
    """
    ids = conn.execute(select(batch_t.c.id).where(*where)
                       .limit(MAX_NAME_SEARCH_BATCHES + 1)).scalars().all()
    name = names_t.c.name.ilike(pattern, escape="\\")
    if len(ids) <= MAX_NAME_SEARCH_BATCHES:
        hits = conn.execute(select(names_t.c.batch_id).where(names_t.c.batch_id.in_(ids), name)
                            .distinct()).scalars().all() if ids else []
        return batch_t.c.id.in_(hits) if hits else false()
    probe = select(names_t.c.batch_id).where(name).limit(MAX_NAME_PROBE_ITEMS + 1).subquery()
    groups = conn.execute(select(probe.c.batch_id, func.count())
                          .group_by(probe.c.batch_id)).all()
    if sum(n for _, n in groups) <= MAX_NAME_PROBE_ITEMS and \
            len(groups) <= MAX_NAME_SEARCH_BATCHES:
        return batch_t.c.id.in_([b for b, _ in groups]) if groups else false()
    return exists(select(literal(1)).where(names_t.c.batch_id == batch_t.c.id, name).offset(0))


def _conditions(conn: Connection, user: User, filters: BatchFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if not is_admin(user):
        where.append(batch_t.c.owner_id.in_(visible_owner_ids(user)))
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
        title = batch_t.c.title.ilike(pattern, escape="\\")
        where.append(title if len(text) < MIN_NAME_CHARS else
                     or_(title, _file_name_match(conn, where, pattern)))
    return where


def _limit(limit: int) -> int:
    try:
        return min(max(1, int(limit)), MAX_LIMIT)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf"))
        raise InvalidInput("The page size must be a whole number.") from None


@contextmanager
def _connect() -> Iterator[Connection]:
    """A read connection. On PostgreSQL without JIT: these queries' cost estimates are
    high enough to trigger it, and compiling took 100-160 ms of queries that run in 5."""
    with get_engine().connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL jit = off")
        yield conn


# --- Queries ---------------------------------------------------------------------------


def search(user: User, filters: BatchFilter | None = None, *, cursor: str | None = None,
           limit: int = DEFAULT_LIMIT, sort: str = "newest") -> BatchPage:
    """One page of the batches `user` may see that match `filters`, in `sort` order."""
    return search_and_count(user, filters, cursor=cursor, limit=limit, sort=sort)[0]


def search_and_count(user: User, filters: BatchFilter | None = None, *,
                     cursor: str | None = None, limit: int = DEFAULT_LIMIT,
                     sort: str = "newest", count: bool = False,
                     at_most: int | None = None) -> tuple[BatchPage, MatchCount | None]:
    """A page as `search` gives it and, with `count`, how many match (`count_matching`):
    the dashboard's list, with the filters worked out once for both."""
    check_active(user)
    filters = filters or BatchFilter()
    key, descending = sort_key(sort)
    limit, column = _limit(limit), _sort_column(key)
    order = (column.desc(), batch_t.c.id.desc()) if descending else (column, batch_t.c.id)
    after = _batch_after(cursor, sort) if cursor else None
    with _connect() as conn:
        where = _conditions(conn, user, filters)
        matches = _count(conn, where, bool(_clean(filters.text)), at_most) if count else None
        query = (select(batch_t, user_t.c.email.label("owner_email"),
                        column.label("sort_value"))
                 .join(user_t, user_t.c.id == batch_t.c.owner_id)
                 .where(*where, *([after] if after is not None else []))
                 .order_by(*order).limit(limit + 1))
        rows = conn.execute(query).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    page = [BatchRow(Batch(**{k: v for k, v in r.items() if k not in ("owner_email",
                                                                       "sort_value")}),
                     r["owner_email"]) for r in rows]
    return BatchPage(page, _batch_cursor(rows[-1], sort) if more else None), matches


def _count(conn: Connection, where: list[ColumnElement[bool]], text: bool,
           at_most: int | None) -> MatchCount:
    at_most = at_most or (COUNT_MAX_TEXT if text else COUNT_MAX)
    n = conn.execute(select(func.count()).select_from(
        select(batch_t.c.id).where(*where).limit(at_most + 1).subquery())).scalar_one()
    return MatchCount(min(n, at_most), n > at_most)


def count_matching(user: User, filters: BatchFilter | None = None, *,
                   at_most: int | None = None) -> MatchCount:
    """How many batches `user` may see match `filters`, counting no further than `at_most`."""
    check_active(user)
    filters = filters or BatchFilter()
    with _connect() as conn:
        return _count(conn, _conditions(conn, user, filters), bool(_clean(filters.text)),
                      at_most)


def matching_ids(user: User, filters: BatchFilter | None = None, *,
                 limit: int) -> list[uuid.UUID]:
    """The ids of at most `limit` matching batches, oldest first (for bulk actions)."""
    check_active(user)
    with _connect() as conn:
        where = _conditions(conn, user, filters or BatchFilter())
        return list(conn.execute(
            select(batch_t.c.id).where(*where)
            .order_by(batch_t.c.created_at.asc(), batch_t.c.id.asc()).limit(limit)
        ).scalars())


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
        row = conn.execute(select(batch_t).where(batch_t.c.owner_id == user.id,
                                                 batch_t.c.idempotency_key == key)
                           ).mappings().first()
    return check_read(user, Batch(**row)) if row else None
