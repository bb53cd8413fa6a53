"""The lease sweep: nothing stays stuck when a worker dies or the broker forgets.

- A running item whose lease expired (its worker died or hung) goes back to `queued` and
  is sent again, or fails once its attempts are used up.
- A queued item whose message is not in the broker (Redis restarted without persistence
  or was flushed, or a worker died between committing a release and sending it) is sent
  again. The sweep reads which items have a message in Redis, ready, delayed or being
  processed, so the check is exact; only items queued for RESEND_QUEUED_AFTER_S are
  considered, leaving a just-committed release time to be sent.
- An item of a batch being cancelled is never sent again: its expired lease cancels it,
  and a queued item left in such a batch (a retry that raced the cancel) is cancelled.
- A finished batch whose finalize message was lost is finalized here.

Re-sending is always safe: a duplicate message finds its item already claimed and is
skipped.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import get_engine
from app.engine import counters, dispatch, transitions
from app.engine.broker import get_broker
from app.engine.counters import Persisted
from app.engine.dispatch import ITEM_ACTOR_PREFIX, send_or_unqueue
from app.engine.outcome import CANCELLED_RUNNING, Outcome, crashed_outcome
from app.engine.processing import after_persist, persist_outcome
from app.models import BATCH_FINISHED, Batch, ItemStatus, utcnow
from app.settings import LANES, get_settings

log = logging.getLogger("shortlist.leases")
CHUNK = 1000
batch_t = Batch.__table__


@dataclass
class SweepReport:
    requeued: int = 0
    failed: int = 0
    resent: int = 0
    finalized: int = 0
    cancelled: int = 0


def sweep(now: datetime | None = None) -> SweepReport:
    report = SweepReport()
    _expired_leases(now or utcnow(), report)
    _stranded(now or utcnow(), report)
    _lost_messages(now or utcnow(), report)
    _unfinalized(now or utcnow(), report)
    return report


def _expired_leases(now: datetime, report: SweepReport) -> None:
    max_attempts = get_settings().max_attempts
    while True:
        with get_engine().connect() as conn:
            expired = transitions.expired_leases(conn, now, CHUNK)
        for item_id, attempts, _batch_id, batch_runs in expired:
            # A batch being cancelled (or ended) gets nothing back: a file that kills its
            # worker would otherwise kill the next one too, cancel or not.
            outcome = (crashed_outcome(attempts, max_attempts) if batch_runs
                       else Outcome(ItemStatus.cancelled, error=CANCELLED_RUNNING))
            persisted = persist_outcome(item_id, attempts, outcome, expired_only=True, now=now)
            if persisted is None:
                continue  # its worker finished after all, or another sweep got there first
            after_persist(persisted)
            if outcome.retry:
                send_or_unqueue(persisted.state.id, persisted.state.lane, [item_id])
                report.requeued += 1
            elif outcome.status == ItemStatus.cancelled:
                report.cancelled += 1
            else:
                report.failed += 1
        if len(expired) < CHUNK:
            return


def _stranded(now: datetime, report: SweepReport) -> None:
    """Queued items of a batch that no longer runs (a retry or hand-back that raced its
    cancel) are cancelled, so the batch settles; no claim would take them."""
    with get_engine().connect() as conn:
        batch_ids = transitions.stranded_batches(conn, 100)
    for batch_id in batch_ids:
        with get_engine().begin() as conn:
            moved = transitions.cancel_items(conn, batch_id, now, CANCELLED_RUNNING,
                                             statuses=(ItemStatus.queued,))[ItemStatus.queued]
            state = counters.move_counters(
                conn, batch_id, {ItemStatus.queued: -moved, ItemStatus.cancelled: moved}, now)
        if moved:
            report.cancelled += moved
            after_persist(Persisted(state, []))


def items_with_messages() -> set[int]:
    """Ids of the items that have a message in the broker (ready, delayed or in flight)."""
    broker = get_broker()
    ids: set[int] = set()
    for lane in LANES:
        for suffix in ("", ".DQ"):
            for _, raw in broker.client.hscan_iter(f"{broker.namespace}:{lane}{suffix}.msgs",
                                                   count=1000):
                message = json.loads(raw)
                if message.get("actor_name", "").startswith(ITEM_ACTOR_PREFIX):
                    ids.add(message["args"][0])
    return ids


def _lost_messages(now: datetime, report: SweepReport) -> None:
    older_than = now - timedelta(seconds=get_settings().resend_queued_after_s)
    live: set[int] | None = None
    after_id = 0
    while True:
        with get_engine().connect() as conn:
            rows = transitions.queued_items(conn, older_than=older_than, limit=CHUNK,
                                            after_id=after_id)
        if rows and live is None:
            live = items_with_messages()  # read after the items: a later send is seen
        by_lane: dict[str, list[int]] = defaultdict(list)
        for item_id, lane in rows:
            if item_id not in live:
                by_lane[lane].append(item_id)
        for lane, ids in by_lane.items():
            report.resent += dispatch.send_items(lane, ids)
            with get_engine().begin() as conn:
                transitions.touch_queued(conn, ids, now)
        if len(rows) < CHUNK:
            break
        after_id = rows[-1][0]
    if report.resent:
        log.warning("re-sent %d queued items whose messages the broker had lost",
                    report.resent)


def _unfinalized(now: datetime, report: SweepReport) -> None:
    from app.engine.finalize import finalize_batch

    with get_engine().connect() as conn:
        ids = conn.execute(
            select(batch_t.c.id).where(
                batch_t.c.status.in_([s.value for s in BATCH_FINISHED]),
                batch_t.c.summary.is_(None),
                batch_t.c.finished_at < now - timedelta(seconds=30),
            ).limit(100)
        ).scalars().all()
    for batch_id in ids:
        if finalize_batch(batch_id):
            report.finalized += 1
