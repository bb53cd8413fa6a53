"""Finalize a finished batch: its summary and, for kinds that have them, its reports.

Idempotent: the finalize message may arrive twice, or come from the lease sweep; a batch
that is not finished, or already finalized, is left alone.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from app.db import get_engine
from app.engine import counters, dispatch, duplicates, events
from app.engine.batches import share_freed
from app.engine.kinds import FinishedItem, get_kind
from app.models import BATCH_FINISHED, Batch, Document, Item, utcnow
from app.notify import notifications

log = logging.getLogger("shortlist.finalize")
batch_t, item_t, document_t = Batch.__table__, Item.__table__, Document.__table__


def summarize(batch: dict, items: list[FinishedItem]) -> dict:
    errors = Counter(i.error for i in items if i.status == "failed" and i.error)
    started, finished = batch["started_at"], batch["finished_at"]
    return {
        "total": len(items),
        "counts": dict(Counter(i.status for i in items)),
        "duration_s": round((finished - started).total_seconds(), 3)
        if started and finished else None,
        "top_errors": [{"error": e, "count": n} for e, n in errors.most_common(10)],
    }


def finalize_batch(batch_id: uuid.UUID | str) -> bool:
    """Returns True if it wrote the summary now."""
    batch_id = batch_id if isinstance(batch_id, uuid.UUID) else uuid.UUID(str(batch_id))
    engine = get_engine()
    with engine.connect() as conn:
        batch = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).mappings().first()
        if batch is None or batch["status"] not in BATCH_FINISHED:
            return False
    # Its owner's other batches in the lane take its share of the window.
    share_freed(batch["owner_id"], batch["lane"])
    if batch["summary"] is not None:
        return False
    with engine.connect() as conn:
        items = [FinishedItem(**row) for row in conn.execute(
            select(item_t.c.seq, item_t.c.name, item_t.c.status, item_t.c.error,
                   item_t.c.score, item_t.c.result)
            .where(item_t.c.batch_id == batch_id).order_by(item_t.c.seq)
        ).mappings()]
    kind = get_kind(batch["kind"])
    summary = summarize(dict(batch), items)
    reports = kind.build_reports(batch["params"], items) if kind.build_reports else []
    old_reports = [batch["report_csv_id"], batch["report_xlsx_id"]]
    with engine.begin() as conn:
        applied = conn.execute(
            update(batch_t)
            .where(batch_t.c.id == batch_id, batch_t.c.summary.is_(None),
                   batch_t.c.status.in_([s.value for s in BATCH_FINISHED]))
            .values(summary=summary)
        ).rowcount
        if not applied:
            return False  # finalized meanwhile by another delivery
        report_ids = {}
        for report in reports:
            report_ids[report.filename.rsplit(".", 1)[-1]] = conn.execute(
                insert(document_t).values(
                    sha256=hashlib.sha256(report.content).hexdigest(), size=len(report.content),
                    content_type=report.content_type, content=report.content,
                    created_at=utcnow(),
                ).returning(document_t.c.id)
            ).scalar_one()
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(
            report_csv_id=report_ids.get("csv"), report_xlsx_id=report_ids.get("xlsx")))
        # One row per person: the reports list each person once (kinds.resume), and
        # the items say which kept file they are another copy of.
        duplicates.assign(conn, batch_id)
        if kind.after_finalize is not None:
            kind.after_finalize(conn, batch_id)
        stale = [d for d in old_reports if d is not None]
        if stale:
            conn.execute(delete(document_t).where(document_t.c.id.in_(stale)))
        state = counters.read_state(conn, batch_id)
        # The owner's notifications are rows of this transaction: a message lost below
        # is found again by the scheduler (app.notify.notifications.stale_pending).
        try:
            told = notifications.on_finished(conn, batch_id)
        except DBAPIError:
            raise  # the transaction is lost anyway: the finalize message is tried again
        except Exception:  # noqa: BLE001  (a bug in telling must not stop the finalize)
            log.exception("could not write the notifications of batch %s", batch_id)
            told = notifications.Finished([], [])
    events.publish({**state.event(), "finalized": True})
    _tell(told)
    log.info("finalized batch %s: %s", batch_id, summary["counts"])
    return True


def _tell(told: notifications.Finished) -> None:
    """Queue the deliveries and show the in-app ones: never a failure of the batch (it is
    finalized already; a message not sent now is re-sent by the scheduler)."""
    for event in told.app_events:
        events.publish_now(event)
    try:
        dispatch.send_notifications(told.pending_ids)
    except Exception as exc:  # noqa: BLE001  (Redis down: the sweep sends them later)
        log.warning("could not queue %d notifications (%s); the scheduler sends them later",
                    len(told.pending_ids), exc)
