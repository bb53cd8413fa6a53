"""Batch timeouts and retention cleanup: the scheduler's jobs call these.

Both work in bounded chunks, each its own short transaction, so a large purge never holds
a long lock and a crash half-way loses nothing (the next run carries on).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.db import get_engine
from app.engine import counters, pool, transitions
from app.engine.counters import Persisted
from app.engine.documents import delete_unused
from app.engine.processing import after_persist
from app.models import (
    BATCH_ACTIVE,
    BATCH_FINISHED,
    Batch,
    BatchStatus,
    Document,
    Item,
    ItemStatus,
    utcnow,
)
from app.settings import get_settings

log = logging.getLogger("shortlist.housekeeping")
batch_t, item_t, document_t = Batch.__table__, Item.__table__, Document.__table__
DELETE_CHUNK = 1000


def _hours(seconds: int) -> str:
    hours = seconds / 3600
    return f"{hours:g} hours" if hours >= 1 else f"{seconds // 60} minutes"


def time_out_batches(now: datetime | None = None) -> dict[str, int]:
    """Active batches older than BATCH_TIMEOUT_S become `timed_out`; every unfinished item
    (running ones too) is cancelled with that reason."""
    settings = get_settings()
    now = now or utcnow()
    limit = now - timedelta(seconds=settings.batch_timeout_s)
    reason = f"The screening took longer than its time limit ({_hours(settings.batch_timeout_s)})."
    with get_engine().connect() as conn:
        ids = conn.execute(
            select(batch_t.c.id).where(
                batch_t.c.status.in_([s.value for s in BATCH_ACTIVE]),
                func.coalesce(batch_t.c.started_at, batch_t.c.created_at) < limit,
            ).limit(1000)
        ).scalars().all()
    timed_out = items = 0
    keep = timedelta(days=settings.retention_failed_days)
    for batch_id in ids:
        with get_engine().begin() as conn:
            # Items first, then the batch row: the lock order of a finishing worker.
            moved = transitions.cancel_items(
                conn, batch_id, now, reason,
                (ItemStatus.pending, ItemStatus.queued, ItemStatus.running))
            deltas = {status: -n for status, n in moved.items()}
            deltas[ItemStatus.cancelled] = sum(moved.values())
            state = counters.move_counters(
                conn, batch_id, deltas, now,
                extra={"status": BatchStatus.timed_out.value, "finished_at": now,
                       "expires_at": now + keep, "error": reason},
            )
        after_persist(Persisted(state, []))
        timed_out += 1
        items += deltas[ItemStatus.cancelled]
    return {"timed_out": timed_out, "items_cancelled": items}


def purge_expired(now: datetime | None = None, chunk: int = DELETE_CHUNK) -> dict[str, int]:
    """Delete finished batches past their expiry with their items, documents and reports."""
    now = now or utcnow()
    counts = {"batches": 0, "items": 0, "documents": 0}
    while True:
        with get_engine().connect() as conn:
            batch_ids = conn.execute(
                select(batch_t.c.id).where(
                    batch_t.c.status.in_([s.value for s in BATCH_FINISHED]),
                    batch_t.c.expires_at < now,
                ).limit(100)
            ).scalars().all()
        if not batch_ids:
            return counts
        for batch_id in batch_ids:
            _purge_batch(batch_id, chunk, counts)


def _purge_batch(batch_id, chunk: int, counts: dict[str, int]) -> None:
    engine = get_engine()
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(item_t.c.id, item_t.c.document_id)
                .where(item_t.c.batch_id == batch_id).limit(chunk)
            ).all()
            if not rows:
                break
            conn.execute(delete(item_t).where(item_t.c.id.in_([r[0] for r in rows])))
            # Not the documents a re-screen's items still use.
            counts["documents"] += delete_unused(conn, (r[1] for r in rows if r[1] is not None))
            counts["items"] += len(rows)
    with engine.begin() as conn:
        reports = conn.execute(
            select(batch_t.c.report_csv_id, batch_t.c.report_xlsx_id)
            .where(batch_t.c.id == batch_id)
        ).first()
        report_ids = [r for r in (reports or ()) if r is not None]
        if report_ids:
            counts["documents"] += conn.execute(
                delete(document_t).where(document_t.c.id.in_(report_ids))).rowcount
        owner_id = conn.execute(select(batch_t.c.owner_id).where(
            batch_t.c.id == batch_id)).scalar()
        counts["batches"] += conn.execute(
            delete(batch_t).where(batch_t.c.id == batch_id,
                                  batch_t.c.status.in_([s.value for s in BATCH_FINISHED]))
        ).rowcount
        if owner_id is not None:  # people none of whose files is left
            pool.forget_unlinked(conn, [owner_id])
