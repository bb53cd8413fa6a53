"""My screenings: a recruiter's own batches, searched by title, filtered by state, each
with a one-line summary of how its candidates fit ("3 strong, 5 good of 40")."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from app.accounts.permissions import check_active, visible_owner_ids
from app.db import get_engine
from app.errors import InvalidInput
from app.models import BATCH_ACTIVE, Batch, BatchStatus, Item, ItemStatus, User
from app.recruiting.queries import Page, _paging

batch_t, item_t, user_t = Batch.__table__, Item.__table__, User.__table__

# What the status filter offers, and the batch states each one means.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "active": tuple(s.value for s in BATCH_ACTIVE),
    "finished": (BatchStatus.done.value,),
    "stopped": (BatchStatus.failed.value, BatchStatus.cancelled.value,
                BatchStatus.timed_out.value),
}
MAX_SEARCH = 200
BANDS = ("strong", "good", "partial", "weak")


@dataclass(frozen=True)
class ScreeningRow:
    batch: Batch
    bands: dict[str, int]  # done files by band
    # A teammate's screening: its owner's e-mail (None for the user's own).
    owner_email: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def my_screenings(user: User, *, q: str | None = None, status: str = "all", page: int = 1,
                  per_page: int = 20) -> Page[ScreeningRow]:
    """The user's own screenings, newest first, whose title contains `q` (any case)."""
    check_active(user)
    if status not in STATUS_FILTERS:
        raise InvalidInput(f"Filter by one of: {', '.join(STATUS_FILTERS)}.")
    page, per_page = _paging(page, per_page)
    conditions = [batch_t.c.owner_id.in_(visible_owner_ids(user))]
    q = (q or "").strip()[:MAX_SEARCH]
    if q:
        conditions.append(func.lower(batch_t.c.title).like(_like(q.lower()), escape="\\"))
    if STATUS_FILTERS[status]:
        conditions.append(batch_t.c.status.in_(STATUS_FILTERS[status]))
    with get_engine().connect() as conn:
        total = conn.execute(select(func.count()).select_from(batch_t).where(*conditions)
                             ).scalar_one()
        rows = conn.execute(
            select(batch_t).where(*conditions)
            .order_by(batch_t.c.created_at.desc(), batch_t.c.id.desc())
            .limit(per_page).offset((page - 1) * per_page)).mappings().all()
        batches = [Batch(**r) for r in rows]
        bands = band_counts(conn, [b.id for b in batches])
        others = {b.owner_id for b in batches} - {user.id}
        emails = dict(conn.execute(select(user_t.c.id, user_t.c.email).where(
            user_t.c.id.in_(others))).all()) if others else {}
    return Page([ScreeningRow(b, bands.get(b.id, {}), emails.get(b.owner_id))
                 for b in batches], total, page, per_page)


def summaries(user: User, batch_ids: list[str]) -> dict[str, dict[str, int]]:
    """The band counts of those of `batch_ids` that are the user's (live list refresh)."""
    check_active(user)
    ids = []
    for batch_id in batch_ids:
        try:
            ids.append(uuid.UUID(str(batch_id)))
        except ValueError:
            continue
    with get_engine().connect() as conn:
        own = list(conn.execute(select(batch_t.c.id).where(
            batch_t.c.id.in_(ids), batch_t.c.owner_id.in_(visible_owner_ids(user)))).scalars()) \
            if ids else []
        return {str(k): v for k, v in band_counts(conn, own).items()}


def band_counts(conn, batch_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Per batch, its done files by band (strong, good, partial, weak): one query."""
    if not batch_ids:
        return {}
    band = item_t.c.result["match"]["band"].as_string()
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for batch_id, name, n in conn.execute(
            select(item_t.c.batch_id, band, func.count())
            .where(item_t.c.batch_id.in_(batch_ids),
                   item_t.c.status == ItemStatus.done.value)
            .group_by(item_t.c.batch_id, band)):
        if name in BANDS:
            counts[batch_id][name] = int(n)
    return dict(counts)

