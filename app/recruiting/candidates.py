"""The recruiter's pool of candidates, read: search and one candidate's details.

Written by app.engine.pool when screenings finish. Each recruiter sees their own pool;
admins may open any candidate by id (as they may any screening); to anyone else a
candidate does not exist (NotFound, as for a missing one).
Pages follow a keyset cursor on (updated_at, id), newest first, never an offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, or_, select

from app.accounts.permissions import check_active, is_admin, is_teammate, visible_owner_ids
from app.db import InvalidCursor, decode_cursor, encode_cursor, get_engine
from app.errors import InvalidInput, NotFound
from app.models import Batch, Candidate, CandidateItem, Item, User

candidate_t, link_t = Candidate.__table__, CandidateItem.__table__
item_t, batch_t = Item.__table__, Batch.__table__
MAX_LIMIT, MAX_TERMS = 100, 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NOT_FOUND = "We could not find that candidate."


@dataclass(frozen=True)
class CandidateRow:
    id: int
    name: str
    email: str | None
    phone: str | None
    years: float | None
    skills: list[str]
    updated_at: datetime
    latest_file: str = ""

    @property
    def label(self) -> str:
        """How the candidate is shown: their name, else their latest file's."""
        return self.name or self.latest_file or "Unnamed candidate"


@dataclass(frozen=True)
class CandidatePage:
    rows: list[CandidateRow]
    next_cursor: str | None


@dataclass(frozen=True)
class CandidateFile:
    item_id: int
    name: str
    batch_id: str
    batch_title: str
    score: float | None
    band: str | None
    screened_at: datetime | None


@dataclass(frozen=True)
class CandidateDetail:
    candidate: CandidateRow
    files: list[CandidateFile]


def _row(r: Any) -> CandidateRow:
    updated = r.updated_at if r.updated_at.tzinfo else r.updated_at.replace(tzinfo=timezone.utc)
    return CandidateRow(r.id, r.name, r.email, r.phone, r.years, list(r.skills or []), updated,
                        r.latest_file)


def _terms(q: str | None) -> list[str]:
    words = _CONTROL.sub(" ", q or "").casefold().split()
    if len(words) > MAX_TERMS:
        raise InvalidInput(f"Search with at most {MAX_TERMS} words.")
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]


def search(user: User, q: str | None = None, *, cursor: str | None = None,
           limit: int = 25, min_years: float | None = None) -> CandidatePage:
    """The user's candidates whose name, email, phone, skills, role titles or resume
    opening hold every word of `q` (any case), with at least `min_years` of experience
    if given, newest first."""
    check_active(user)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    conditions = [candidate_t.c.owner_id.in_(visible_owner_ids(user))]
    if min_years is not None:
        if not 0 <= min_years <= 60:
            raise InvalidInput("min_years must be between 0 and 60.")
        conditions.append(candidate_t.c.years >= min_years)
    conditions += [candidate_t.c.search_doc.like(f"%{t}%", escape="\\") for t in _terms(q)]
    if cursor:
        data = decode_cursor(cursor)
        try:
            after, after_id = datetime.fromisoformat(data["u"]), int(data["i"])
        except (KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        conditions.append(or_(candidate_t.c.updated_at < after,
                              and_(candidate_t.c.updated_at == after,
                                   candidate_t.c.id < after_id)))
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(candidate_t.c.id, candidate_t.c.name, candidate_t.c.email,
                   candidate_t.c.phone, candidate_t.c.years, candidate_t.c.skills,
                   candidate_t.c.updated_at, candidate_t.c.latest_file)
            .where(*conditions)
            .order_by(candidate_t.c.updated_at.desc(), candidate_t.c.id.desc())
            .limit(limit + 1)).all()
    page = [_row(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"u": last.updated_at.isoformat(), "i": last.id})
    return CandidatePage(page, next_cursor)


def detail(user: User, candidate_id: int | str) -> CandidateDetail:
    """One candidate with every file of theirs still kept, newest screening first."""
    check_active(user)
    try:
        candidate_id = int(candidate_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND) from None
    if not 1 <= candidate_id < 2**63:
        raise NotFound(NOT_FOUND)
    with get_engine().connect() as conn:
        row = conn.execute(select(candidate_t).where(candidate_t.c.id == candidate_id)).first()
        if row is None or not (is_admin(user) or is_teammate(user, row.owner_id)):
            raise NotFound(NOT_FOUND)
        files = conn.execute(
            select(item_t.c.id, item_t.c.name, item_t.c.score, item_t.c.result,
                   item_t.c.finished_at, batch_t.c.id.label("batch_id"),
                   batch_t.c.title)
            .select_from(link_t.join(item_t, item_t.c.id == link_t.c.item_id)
                         .join(batch_t, batch_t.c.id == item_t.c.batch_id))
            .where(link_t.c.candidate_id == candidate_id)
            .order_by(batch_t.c.created_at.desc(), item_t.c.seq)).all()
    return CandidateDetail(_row(row), [
        CandidateFile(f.id, f.name, str(f.batch_id), f.title or "Untitled opening", f.score,
                      ((f.result or {}).get("match") or {}).get("band"), f.finished_at)
        for f in files])


def owned(user: User, candidate_ids: list[int]) -> list[int]:
    """Those of `candidate_ids` that are in the user's own pool, in the order given."""
    with get_engine().connect() as conn:
        mine = set(conn.execute(select(candidate_t.c.id).where(
            candidate_t.c.id.in_(candidate_ids),
            candidate_t.c.owner_id.in_(visible_owner_ids(user)))).scalars())
    return [i for i in candidate_ids if i in mine]
