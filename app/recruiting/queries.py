"""Read-side queries for the recruiter's pages: lists, the shortlist, details.

Every function that takes a user checks permission through app.accounts.permissions first, so
another recruiter's screening looks exactly like a missing one (NotFound). Lists are paged
on the server: a screening may hold tens of thousands of resumes.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, literal_column, select
from sqlalchemy.engine import Connection

from app.accounts.permissions import check_active, check_read, visible_owner_ids
from app.db import get_engine
from app.engine import duplicates
from app.engine.batches import parse_batch_id
from app.errors import InvalidInput, NotFound
from app.models import BATCH_FINISHED, Batch, Item, ItemStatus, User
from app.recruiting import shortlist_filter
from app.recruiting.shortlist_filter import ShortlistFilter, decision_t

batch_t, item_t = Batch.__table__, Item.__table__
T = TypeVar("T")

MAX_PER_PAGE = 200
# Far past any real list, and small enough that (page - 1) * per_page stays a small
# integer on every database: page 10**18 of 100 rows overflows a 64-bit OFFSET.
MAX_PAGE = 1_000_000
_FINISHED = {s.value for s in BATCH_FINISHED}
SORTS = ("rank", "score", "name", "years")
_SHORTLIST_COLUMNS = ("id", "file", "score", "result", "years", "sort_name", "rank")
RESUME_NOT_FOUND = "We could not find that resume."


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int
    # The batch as it was when the rows were read (the shortlist: one snapshot for both).
    batch: Batch | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class ShortlistRow:
    item_id: int
    rank: int
    file: str
    name: str | None  # the candidate's name as read from the resume
    score: int
    band: str
    must_have_matched: list[str]
    must_have_missing: list[str]
    nice_to_have_matched: list[str]
    years: float | None
    # One row per person: the person's other files in this screening (file names), and
    # other people on the list who may be the same (their name, else their file's).
    also_uploaded_as: tuple[str, ...] = ()
    possibly_same_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailedRow:
    item_id: int
    file: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class ItemDetail:
    item_id: int
    batch_id: uuid.UUID
    file: str
    status: str
    score: float | None
    error: str | None
    analysis: dict[str, Any] | None = field(default=None)
    # Another file of a person listed under `duplicate_of` (that item's id), or the
    # person's other files and who else they may be (as on their shortlist row).
    duplicate_of: int | None = None
    also_uploaded_as: tuple[str, ...] = ()
    possibly_same_as: tuple[str, ...] = ()


def _paging(page: int, per_page: int) -> tuple[int, int]:
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("The page number must be a whole number.") from None
    return min(max(1, page), MAX_PAGE), min(max(1, per_page), MAX_PER_PAGE)


@dataclass(frozen=True)
class TableRequest:
    """What a paged, sorted table shows: sort column, direction, page, rows per page."""

    sort: str
    descending: bool
    page: int
    per_page: int


def _whole(value: object) -> int | None:
    # JSON gives ints; a bool is an int to Python but not a page number.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def table_request(current: TableRequest, *, sorts: tuple[str, ...], sort: object = None,
                  descending: object = None, page: object = None, per_page: object = None,
                  max_per_page: int = MAX_PER_PAGE) -> TableRequest:
    """A table's paging request from the browser, made safe: a tampered page can send
    anything, so each malformed value keeps its `current` one, and numbers are clamped
    (the page to MAX_PAGE here; past the last page the caller shows the last)."""
    page, per_page = _whole(page), _whole(per_page)
    return TableRequest(
        sort=sort if isinstance(sort, str) and sort in sorts else current.sort,
        descending=descending if isinstance(descending, bool) else current.descending,
        page=current.page if page is None else min(max(1, page), MAX_PAGE),
        per_page=per_page if per_page is not None and 1 <= per_page <= max_per_page
        else current.per_page,
    )


def page_number(value: object, current: int) -> int:
    """A page number from the browser (a pager's value): 1 to MAX_PAGE, else `current`."""
    page = _whole(value)
    return current if page is None else min(max(1, page), MAX_PAGE)


def _load_batch(conn: Connection, batch_id: uuid.UUID) -> Batch | None:
    row = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).mappings().first()
    return Batch(**row) if row else None


def readable_batch(conn: Connection, user: User, batch_id: uuid.UUID | str) -> Batch:
    return check_read(user, _load_batch(conn, parse_batch_id(batch_id)))


# --- Screenings ------------------------------------------------------------------------


def list_batches(user: User, *, page: int = 1, per_page: int = 20) -> Page[Batch]:
    """The user's own screenings, newest first."""
    check_active(user)
    page, per_page = _paging(page, per_page)
    with get_engine().connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(batch_t).where(batch_t.c.owner_id.in_(visible_owner_ids(user)))
        ).scalar_one()
        rows = conn.execute(
            select(batch_t).where(batch_t.c.owner_id.in_(visible_owner_ids(user)))
            .order_by(batch_t.c.created_at.desc(), batch_t.c.id.desc())
            .limit(per_page).offset((page - 1) * per_page)
        ).mappings().all()
    return Page([Batch(**r) for r in rows], total, page, per_page)


def get_batch(user: User, batch_id: uuid.UUID | str) -> Batch:
    with get_engine().connect() as conn:
        return readable_batch(conn, user, batch_id)


# --- The shortlist ---------------------------------------------------------------------


def _json_text(*path: str) -> ColumnElement:
    return item_t.c.result[path].as_string()


def _json_number(*path: str) -> ColumnElement:
    return item_t.c.result[path].as_float()


def _json_array_length(dialect: str, *path: str) -> ColumnElement:
    # The path is a constant of this module, never user input.
    if dialect == "sqlite":
        return func.json_array_length(item_t.c.result, "$." + ".".join(path))
    return func.json_array_length(
        item_t.c.result.op("#>")(literal_column("'{" + ",".join(path) + "}'")))


def shortlist(
    user: User,
    batch_id: uuid.UUID | str,
    *,
    page: int = 1,
    per_page: int = 25,
    sort: str = "rank",
    descending: bool = False,
    filters: ShortlistFilter | None = None,
) -> Page[ShortlistRow]:
    """The screened people of a batch, ranked as in the report, one page at a time.

    One row per person (app.engine.duplicates): a person's other files take no rank and
    are named on the row; `total` counts people. Rank follows the report
    (app.analysis.report): best score first, then fewer missing must-have skills, then
    more years, then the file name. `sort` orders the page by rank, score, name (the
    candidate's, else the file's) or years; ties fall back to rank. `filters` keep the
    people they match, each with their rank in the whole batch (app.recruiting.
    shortlist_filter); `total` counts those.

    The page carries the batch read in the same snapshot as its rows, so a counter drawn
    from it never runs ahead of the list (drawn from live events, it said "101 of 300
    screened" over a list of 76).
    """
    return _shortlist(lambda conn: readable_batch(conn, user, batch_id), page=page,
                      per_page=per_page, sort=sort, descending=descending, filters=filters)


def shared_shortlist(batch_id: uuid.UUID, *, page: int = 1,
                     per_page: int = 25) -> Page[ShortlistRow]:
    """The shortlist a share link shows, by rank: no user, app.recruiting.sharing checked
    the link (never call it from anywhere else)."""

    def read(conn: Connection) -> Batch:
        batch = _load_batch(conn, batch_id)
        if batch is None:
            raise NotFound("We could not find that screening.")
        return batch

    return _shortlist(read, page=page, per_page=per_page, sort="rank", descending=False,
                      filters=None)


def _shortlist(read_batch, *, page: int, per_page: int, sort: str, descending: bool,
               filters: ShortlistFilter | None) -> Page[ShortlistRow]:
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}.")
    page, per_page = _paging(page, per_page)
    engine = get_engine()
    dialect = engine.dialect.name
    with engine.connect() as conn, _snapshot(conn):
        batch = read_batch(conn)
        people = duplicates.people(conn, batch.id, batch.n_done)
        where = and_(item_t.c.batch_id == batch.id, item_t.c.status == ItemStatus.done.value,
                     item_t.c.result.is_not(None))
        if people.duplicate_ids:
            where = and_(where, item_t.c.id.not_in(people.duplicate_ids))
        years = _json_number("profile", "years")
        name = func.lower(func.coalesce(_json_text("profile", "name"), item_t.c.name))
        rank = func.row_number().over(order_by=[
            item_t.c.score.desc(),
            _json_array_length(dialect, "match", "must_have_missing").asc(),
            func.coalesce(years, 0.0).desc(),
            func.lower(item_t.c.name).asc(),
            item_t.c.id.asc(),
        ])
        f = filters or ShortlistFilter()
        ranked = select(
            item_t.c.id.label("id"), item_t.c.name.label("file"), item_t.c.score.label("score"),
            item_t.c.result.label("result"), years.label("years"), name.label("sort_name"),
            rank.label("rank"), _json_text("match", "band").label("band"),
            *shortlist_filter.columns(f),
        ).select_from(item_t.outerjoin(decision_t, decision_t.c.item_id == item_t.c.id)
                      ).where(where).subquery("ranked")
        matching = shortlist_filter.conditions(ranked, f)
        total = (conn.execute(select(func.count()).select_from(item_t).where(where)).scalar_one()
                 if not matching else conn.execute(
                     select(func.count()).select_from(ranked).where(*matching)).scalar_one())
        keys = {"rank": ranked.c.rank, "score": ranked.c.score, "name": ranked.c.sort_name,
                "years": ranked.c.years}
        key = keys[sort]
        if sort == "years":
            # Unknown years sort last either way.
            order = [key.is_(None).asc(), key.desc() if descending else key.asc()]
        else:
            order = [key.desc() if descending else key.asc()]
        rows = conn.execute(
            select(*[ranked.c[c] for c in _SHORTLIST_COLUMNS]).where(*matching)
            .order_by(*order, ranked.c.rank.asc())
            .limit(per_page).offset((page - 1) * per_page)
        ).mappings().all()
    return Page([_shortlist_row(r, people) for r in rows], total, page, per_page, batch)


def _snapshot(conn: Connection):
    """One transaction whose statements all see the same committed state (PostgreSQL
    runs each statement on a fresh snapshot otherwise; SQLite's read transaction is one)."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
    return conn.begin()


def _shortlist_row(row, people: duplicates.People) -> ShortlistRow:
    result = row["result"] or {}
    match, profile = result.get("match") or {}, result.get("profile") or {}
    score = row["score"] if row["score"] is not None else match.get("score", 0)
    return ShortlistRow(
        item_id=row["id"],
        rank=int(row["rank"]),
        file=row["file"],
        name=profile.get("name"),
        score=int(round(score)),
        band=match.get("band", ""),
        must_have_matched=list(match.get("must_have_matched") or []),
        must_have_missing=list(match.get("must_have_missing") or []),
        nice_to_have_matched=list(match.get("nice_to_have_matched") or []),
        years=profile.get("years"),
        also_uploaded_as=people.also_uploaded_as(row["id"]),
        possibly_same_as=people.possibly_same_as(row["id"]),
    )


def failed_items(user: User, batch_id: uuid.UUID | str, *, page: int = 1,
                 per_page: int = 50) -> Page[FailedRow]:
    """The files that could not be screened, with the reason, in upload order."""
    page, per_page = _paging(page, per_page)
    with get_engine().connect() as conn:
        batch = readable_batch(conn, user, batch_id)
        where = and_(item_t.c.batch_id == batch.id, item_t.c.status == ItemStatus.failed.value)
        total = conn.execute(select(func.count()).select_from(item_t).where(where)).scalar_one()
        rows = conn.execute(
            select(item_t.c.id, item_t.c.name, item_t.c.error, item_t.c.attempts)
            .where(where).order_by(item_t.c.seq).limit(per_page).offset((page - 1) * per_page)
        ).all()
    return Page([FailedRow(r.id, r.name, r.error or "This file could not be read.", r.attempts)
                 for r in rows], total, page, per_page)


def readable_item(conn: Connection, user: User, item_id: int | str) -> tuple[Any, Batch]:
    """(the item's row, its batch) when the user may read the batch; to anyone else the
    item does not exist (the same NotFound as a missing one)."""
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise NotFound(RESUME_NOT_FOUND) from None
    if not 1 <= item_id < 2**63:  # no such id (and the database refuses larger ones)
        raise NotFound(RESUME_NOT_FOUND)
    row = conn.execute(select(item_t).where(item_t.c.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(RESUME_NOT_FOUND)
    try:
        return row, readable_batch(conn, user, row["batch_id"])
    except NotFound:
        raise NotFound(RESUME_NOT_FOUND) from None


def item_detail(user: User, item_id: int) -> ItemDetail:
    """One resume's result (its analysis) or its error."""
    with get_engine().connect() as conn:
        row, batch = readable_item(conn, user, item_id)
        people = duplicates.people(conn, batch.id, batch.n_done)
    return ItemDetail(item_id=row["id"], batch_id=row["batch_id"], file=row["name"],
                      status=row["status"], score=row["score"], error=row["error"],
                      analysis=row["result"],
                      duplicate_of=people.groups.duplicate_of.get(row["id"]),
                      also_uploaded_as=people.also_uploaded_as(row["id"]),
                      possibly_same_as=people.possibly_same_as(row["id"]))


def duplicate_map(user: User, batch_id: uuid.UUID | str) -> dict[int, int]:
    """Item id -> the id of the item kept for the same person, for every other file of a
    person in the batch: as written at finalize once the batch is finalized, worked out
    from the done items while it runs."""
    with get_engine().connect() as conn:
        batch = readable_batch(conn, user, batch_id)
        if batch.summary is not None and batch.status in _FINISHED:
            return duplicates.stored(conn, batch.id)
        return dict(duplicates.people(conn, batch.id, batch.n_done).groups.duplicate_of)


# --- For the web process's live updates (no user: nothing leaves the process) ----------


def progress_state(batch_id: uuid.UUID | str) -> dict[str, Any] | None:
    """A batch's current counters in the shape of a progress event, read from the database.

    The live-update hub calls this once when events of a batch arrive out of order in a
    way it cannot settle alone (a retry restarts the counts); it is not a page's poll.
    """
    try:
        batch_id = parse_batch_id(batch_id)
    except NotFound:
        return None
    with get_engine().connect() as conn:
        batch = _load_batch(conn, batch_id)
    if batch is None:
        return None
    return {
        "batch_id": str(batch.id), "owner_id": batch.owner_id, "status": batch.status,
        "lane": batch.lane, "total": batch.total,
        "counts": {s.value: getattr(batch, f"n_{s.value}") for s in ItemStatus},
        "started_at": batch.started_at.isoformat() if batch.started_at else None,
        "finalized": batch.summary is not None and batch.status in _FINISHED,
    }
