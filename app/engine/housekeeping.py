"""Batch timeouts and retention cleanup: the scheduler's jobs call these.

Both work in bounded chunks, each its own short transaction, so a large purge never holds
a long lock and a crash half-way loses nothing (the next run carries on).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.db import get_engine
from app.engine import counters, events, pool, transitions
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
    hours, minutes = seconds / 3600, seconds // 60
    if hours >= 1:
        return f"{hours:g} hour{'' if hours == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def time_out_batches(now: datetime | None = None) -> dict[str, int]:
    """Active batches that ran longer than BATCH_TIMEOUT_S since their first start, or
    waited longer than BATCH_WAIT_TIMEOUT_S without starting, become `timed_out`; every
    unfinished item (running ones too) is cancelled with the reason. Waiting behind
    other work never counts as running time."""
    settings = get_settings()
    now = now or utcnow()
    active = batch_t.c.status.in_([s.value for s in BATCH_ACTIVE])
    rules = [
        (batch_t.c.started_at < now - timedelta(seconds=settings.batch_timeout_s),
         "The screening took longer than its time limit"
         f" ({_hours(settings.batch_timeout_s)})."),
        (batch_t.c.started_at.is_(None)
         & (batch_t.c.created_at < now - timedelta(seconds=settings.batch_wait_timeout_s)),
         f"The screening waited {_hours(settings.batch_wait_timeout_s)} without starting:"
         " no worker took it (its lane may be paused). Submit it again or ask an admin."),
    ]
    timed_out = items = 0
    for condition, reason in rules:
        with get_engine().connect() as conn:
            ids = conn.execute(select(batch_t.c.id).where(active, condition).limit(1000)
                               ).scalars().all()
        for batch_id in ids:
            items += _time_out(batch_id, now, reason, settings)
            timed_out += 1
    return {"timed_out": timed_out, "items_cancelled": items}


def _time_out(batch_id, now: datetime, reason: str, settings) -> int:
    keep = timedelta(days=settings.retention_failed_days)
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
    return deltas[ItemStatus.cancelled]


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
        gone = conn.execute(
            delete(batch_t).where(batch_t.c.id == batch_id,
                                  batch_t.c.status.in_([s.value for s in BATCH_FINISHED]))
        ).rowcount
        counts["batches"] += gone
        if owner_id is not None:  # people none of whose files is left
            pool.forget_unlinked(conn, [owner_id])
    if gone and owner_id is not None:
        events.publish_deleted(batch_id, owner_id)
