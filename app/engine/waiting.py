"""Why a batch waits, its place in the queue, and when it should start and finish.

A lane's Redis queue is first in, first out, so what runs before a batch's first item is
what its lane had queued before it (the queued items of other batches queued earlier);
the lane then runs at its recent throughput (items finished per second over the last
RATE_WINDOW_S, its newest RATE_SAMPLE at most, from ix_item_finished_at), which already
reflects its share of the
workers. Once started, the batch shares the lane round robin with the other users who
have work in it (app.engine.fairshare), so it finishes at about 1/users of that rate.
Estimates are None when nothing ran in the lane recently (no throughput to go by) or
when the lane is paused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from app.engine import lanes
from app.engine.fairshare import ACTIVE
from app.models import BATCH_FINISHED, Batch, Item, ItemStatus, utcnow
from app.settings import get_settings

batch_t, item_t = Batch.__table__, Item.__table__
RATE_WINDOW_S = 120
RATE_SAMPLE = 500
# Fewer finished items than this in the window: too little to estimate from.
MIN_SAMPLE = 3


@dataclass(frozen=True)
class Waiting:
    queue_position: int | None = None  # items that run before its first one
    waiting_reason: str | None = None
    estimated_start: datetime | None = None
    estimated_finish: datetime | None = None

    def as_dict(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None
        return {"queue_position": self.queue_position, "waiting_reason": self.waiting_reason,
                "estimated_start": iso(self.estimated_start),
                "estimated_finish": iso(self.estimated_finish)}


def _finished_since(conn: Connection, since: datetime, lane: str | None):
    """(how many, the oldest finish) of the newest RATE_SAMPLE items finished since
    `since`: a busy fleet finishes thousands a second, and a rate needs only a sample."""
    newest = (select(item_t.c.finished_at)
              .select_from(item_t).join(batch_t, batch_t.c.id == item_t.c.batch_id)
              .where(item_t.c.finished_at >= since,
                     item_t.c.status.in_([ItemStatus.done.value, ItemStatus.failed.value]))
              .order_by(item_t.c.finished_at.desc()).limit(RATE_SAMPLE))
    if lane is not None:
        newest = newest.where(batch_t.c.lane == lane)
    newest = newest.subquery("newest")
    return conn.execute(select(func.count(), func.min(newest.c.finished_at))).one()


def _rate(count: int, first: datetime | None, now: datetime) -> float | None:
    if count < MIN_SAMPLE or first is None:
        return None
    first = first.replace(tzinfo=now.tzinfo) if first.tzinfo is None else first
    return count / max((now - first).total_seconds(), 1.0)


def lane_rate(conn: Connection, lane: str, now: datetime) -> float | None:
    """Items of `lane` finished per second lately; if it ran nothing lately, its weight's
    share of what all lanes ran; None when too little ran to tell."""
    since = now - timedelta(seconds=RATE_WINDOW_S)
    rate = _rate(*_finished_since(conn, since, lane), now)
    if rate is not None:
        return rate
    total = _rate(*_finished_since(conn, since, None), now)
    if total is None:
        return None
    weights = get_settings().lane_weights
    busy = set(conn.execute(select(batch_t.c.lane).distinct()
                            .where(batch_t.c.status.in_(ACTIVE))).scalars())
    return total * weights.get(lane, 1) / sum(weights.get(name, 1) for name in busy | {lane})


def _ahead(conn: Connection, batch, queued_since: datetime | None) -> tuple[int, int]:
    """(items, batches) queued in the batch's lane before its first queued item."""
    query = (select(func.count(), func.count(distinct(item_t.c.batch_id)))
             .select_from(item_t).join(batch_t, batch_t.c.id == item_t.c.batch_id)
             .where(item_t.c.status == ItemStatus.queued.value, batch_t.c.lane == batch.lane,
                    item_t.c.batch_id != batch.id))
    if queued_since is not None:
        query = query.where(item_t.c.queued_at < queued_since)
    items, batches = conn.execute(query).one()
    return int(items), int(batches)


def _users_in_lane(conn: Connection, lane: str) -> int:
    return conn.execute(
        select(func.count(distinct(batch_t.c.owner_id)))
        .where(batch_t.c.lane == lane,
               batch_t.c.status.in_(ACTIVE))).scalar_one()


def waiting_of(conn: Connection, batch_id: uuid.UUID, now: datetime | None = None) -> Waiting:
    """What a recruiter waiting for `batch_id` is told; all None once it has finished."""
    now = now or utcnow()
    batch = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).first()
    if batch is None or batch.status in {s.value for s in BATCH_FINISHED} \
            or batch.status == "cancelling":
        return Waiting()
    left = batch.total - batch.n_done - batch.n_failed - batch.n_cancelled
    rate = lane_rate(conn, batch.lane, now)
    users = max(1, _users_in_lane(conn, batch.lane))
    if batch.started_at is not None:
        finish = now + timedelta(seconds=left * users / rate) if rate else None
        return Waiting(0, None, batch.started_at, finish)
    if lanes.is_paused(conn, batch.lane):
        items, _ = _ahead(conn, batch, None)
        return Waiting(items, f"The {batch.lane} lane is paused by an admin: your screening"
                       " starts when it is resumed.")
    queued_since = conn.execute(
        select(func.min(item_t.c.queued_at))
        .where(item_t.c.batch_id == batch.id, item_t.c.status == ItemStatus.queued.value)
    ).scalar()
    items, batches = _ahead(conn, batch, queued_since)
    if items == 0:
        reason = "Next in line: a worker takes it as soon as one is free."
    else:
        reason = (f"{batches} screening{'s' if batches != 1 else ''} ahead of yours in the"
                  f" {batch.lane} lane ({items} file{'s' if items != 1 else ''}).")
    if not rate:
        return Waiting(items, reason)
    start = now + timedelta(seconds=items / rate)
    return Waiting(items, reason, start, start + timedelta(seconds=left * users / rate))
