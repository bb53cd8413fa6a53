"""Every state transition of items, as guarded statements.

Each function names the states it accepts in its WHERE clause and refuses the rest, so a
duplicate message, a late worker or a concurrent cancel simply finds nothing to change.
The batch's counters move in the same transaction, through app.engine.counters.

All functions take an open connection inside a transaction; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from app.engine import attempts as attempts_history
from app.engine.lanes import lane_open
from app.models import (
    Batch,
    BatchStatus,
    Item,
    ItemStatus,
)

item_t = Item.__table__
batch_t = Batch.__table__
# A batch in these states may start items; cancelling and ended ones may not.
BATCH_RUNNABLE = (BatchStatus.queued.value, BatchStatus.running.value)

@dataclass(frozen=True)
class Claimed:
    item_id: int
    batch_id: uuid.UUID
    attempts: int
    name: str
    document_id: int | None
    seq: int


# --- Items ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _queue_pending_statement():
    # A materialized CTE: as a plain IN (subquery), PostgreSQL may re-run the locking
    # subquery and update far more than `limit` rows.
    next_ids = (
        select(item_t.c.id)
        .where(item_t.c.batch_id == bindparam("p_batch_id", type_=item_t.c.batch_id.type),
               item_t.c.status == ItemStatus.pending.value,
               lane_open(item_t.c.batch_id))
        .order_by(item_t.c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("next_items")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (update(item_t)
            .where(item_t.c.id.in_(select(next_ids.c.id)),
                   item_t.c.status == ItemStatus.pending.value)
            .values(status=ItemStatus.queued.value,
                    queued_at=bindparam("now", type_=item_t.c.queued_at.type))
            .returning(item_t.c.id))


def queue_pending(conn: Connection, batch_id: uuid.UUID, limit: int, now: datetime) -> list[int]:
    """pending -> queued for up to `limit` items of a batch, oldest first, unless its lane
    is paused. Returns their ids."""
    if limit <= 0:
        return []
    rows = conn.execute(_queue_pending_statement(),
                        {"p_batch_id": batch_id, "limit": limit, "now": now}).all()
    return sorted(r[0] for r in rows)


def unqueue(conn: Connection, item_ids: Sequence[int]) -> int:
    """queued -> pending (their messages could not be sent). Returns how many moved."""
    if not item_ids:
        return 0
    result = conn.execute(
        update(item_t)
        .where(item_t.c.id.in_(list(item_ids)), item_t.c.status == ItemStatus.queued.value)
        .values(status=ItemStatus.pending.value, queued_at=None)
    )
    return result.rowcount


@lru_cache(maxsize=4)  # expired x first_attempt_only
def _claim_statement(expired: bool, first_attempt_only: bool = False):
    ts = item_t.c.started_at.type
    conditions = [item_t.c.id == bindparam("item_id", type_=item_t.c.id.type), batch_runs()]
    if first_attempt_only:
        conditions.append(item_t.c.attempts == 0)
    if expired:
        conditions += [item_t.c.status == ItemStatus.running.value,
                       item_t.c.lease_expires_at < bindparam("now", type_=ts),
                       item_t.c.attempts < bindparam("max_attempts", type_=Integer)]
    else:
        conditions.append(item_t.c.status == ItemStatus.queued.value)
    return (update(item_t).where(*conditions)
            .values(status=ItemStatus.running.value, attempts=item_t.c.attempts + 1,
                    started_at=bindparam("now", type_=ts),
                    lease_expires_at=bindparam("p_lease_expires_at", type_=ts),
                    worker=bindparam("p_worker", type_=String))
            .returning(item_t.c.id, item_t.c.batch_id, item_t.c.attempts, item_t.c.name,
                       item_t.c.document_id, item_t.c.seq))


def claim(conn: Connection, item_id: int, worker: str, now: datetime, lease: timedelta,
          max_attempts: int, *, first_attempt_only: bool = False,
          ) -> tuple[Claimed, bool] | None:
    """queued -> running, or re-claim a running item whose lease expired.

    Returns the claimed item and whether it came from `queued` (the counters move only
    then), or None when this message must be skipped: the item is done, cancelled,
    held by a live lease, or out of attempts (the lease sweep fails it). With
    `first_attempt_only` (a claim made ahead of the item's start) also None for an item
    that was tried before (app.engine.processing.claim_ahead).
    """
    params = {"item_id": item_id, "now": now, "p_lease_expires_at": now + lease,
              "p_worker": worker, "max_attempts": max_attempts}
    row = conn.execute(_claim_statement(False, first_attempt_only), params).first()
    from_queued = row is not None
    if row is None:
        row = conn.execute(_claim_statement(True, first_attempt_only), params).first()
    if row is None:
        return None
    return Claimed(*row), from_queued


def renew_lease(conn: Connection, item_id: int, attempts: int, now: datetime,
                lease: timedelta) -> bool:
    """Restart the lease of an item claimed a while before its thread started it (app.
    processing.claim_ahead), fenced by the attempt number; False if it is no longer this
    attempt's (the lease expired and another worker took the item over)."""
    row = conn.execute(
        update(item_t)
        .where(item_t.c.id == item_id, item_t.c.status == ItemStatus.running.value,
               item_t.c.attempts == attempts)
        .values(started_at=now, lease_expires_at=now + lease)
        .returning(item_t.c.id)
    ).first()
    return row is not None


@lru_cache(maxsize=4)
def _end_attempt_statement(retry: bool, expired_only: bool):
    ts = item_t.c.finished_at.type
    conditions = [item_t.c.id == bindparam("item_id", type_=item_t.c.id.type),
                  item_t.c.status == ItemStatus.running.value,
                  item_t.c.attempts == bindparam("p_attempts", type_=Integer)]
    if expired_only:
        conditions.append(item_t.c.lease_expires_at < bindparam("now", type_=ts))
    values: dict[str, Any] = {
        "status": bindparam("p_status", type_=String), "lease_expires_at": None,
        "error": bindparam("p_error", type_=item_t.c.error.type),
        "retryable": bindparam("p_retryable", type_=Boolean),
    }
    if retry:
        values["queued_at"] = bindparam("now", type_=ts)
        values["attempts"] = item_t.c.attempts - bindparam("p_refund", type_=Integer)
    else:
        values.update(finished_at=bindparam("now", type_=ts),
                      result=bindparam("p_result", type_=item_t.c.result.type),
                      score=bindparam("p_score", type_=item_t.c.score.type))
    return update(item_t).where(*conditions).values(**values).returning(item_t.c.batch_id)


def end_attempt(
    conn: Connection,
    item_id: int,
    attempts: int,
    status: ItemStatus,
    now: datetime,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    score: float | None = None,
    expired_only: bool = False,
    refund: bool = False,
    retryable: bool = True,
    outcome: str | None = None,
    detail: str | None = None,
) -> uuid.UUID | None:
    """running -> done | failed | cancelled | queued (a retry), fenced by the attempt number.

    The fence (`attempts`) makes a late worker whose lease was taken over find nothing to
    change. `expired_only` is the lease sweep's guard. Returns the batch id, or None.
    """
    statement = _end_attempt_statement(status == ItemStatus.queued, expired_only)
    row = conn.execute(statement, {
        "item_id": item_id, "p_attempts": attempts, "now": now, "p_status": status.value,
        "p_error": error, "p_result": result, "p_score": score, "p_refund": int(refund),
        "p_retryable": retryable,
    }).first()
    if row is None:
        return None
    attempts_history.record(conn, item_id, attempts, outcome or status.value, now,
                            error=error, detail=detail)
    return row[0]


def cancel_items(conn: Connection, batch_id: uuid.UUID, now: datetime, reason: str,
                 statuses: Sequence[ItemStatus] = (ItemStatus.pending, ItemStatus.queued),
                 ) -> dict[ItemStatus, int]:
    """Items of a batch in `statuses` -> cancelled. Returns counts by former state.

    Cancelling `running` items (a timed-out batch) leaves their workers fenced out: the
    worker's end_attempt finds the item no longer running and changes nothing.
    """
    moved: dict[ItemStatus, int] = {}
    if ItemStatus.running in statuses:
        attempts_history.record_running_cancelled(conn, batch_id, now, reason)
    for status in statuses:
        moved[status] = conn.execute(
            update(item_t)
            .where(item_t.c.batch_id == batch_id, item_t.c.status == status.value)
            .values(status=ItemStatus.cancelled.value, finished_at=now, error=reason,
                    lease_expires_at=None)
        ).rowcount
    return moved


def reset_for_retry(conn: Connection, batch_id: uuid.UUID, statuses: Sequence[ItemStatus],
                    item_ids: Sequence[int] | None = None) -> dict[ItemStatus, int]:
    """failed (and cancelled) -> pending with fresh attempts. Returns counts by former state.
    A failure trying again cannot fix (not `retryable`) stays failed; a dismissed one is
    taken only when asked for by id."""
    moved: dict[ItemStatus, int] = {}
    for status in statuses:
        conditions = [item_t.c.batch_id == batch_id, item_t.c.status == status.value,
                      item_t.c.retryable.is_(True)]
        if item_ids is not None:
            conditions.append(item_t.c.id.in_(list(item_ids)))
        else:
            conditions.append(item_t.c.dismissed_at.is_(None))
        moved[status] = conn.execute(
            update(item_t).where(*conditions).values(
                status=ItemStatus.pending.value, attempts=0, finished_at=None,
                started_at=None, queued_at=None, lease_expires_at=None, worker=None,
                result=None, score=None, dismissed_at=None,
            )
        ).rowcount
    return moved


def count_retryable(conn: Connection, batch_id: uuid.UUID) -> int:
    """Failed items of a batch that trying again could fix (and nobody dismissed)."""
    return conn.execute(select(func.count()).where(
        item_t.c.batch_id == batch_id, item_t.c.status == ItemStatus.failed.value,
        item_t.c.retryable.is_(True), item_t.c.dismissed_at.is_(None))).scalar_one()


def expired_leases(conn: Connection, now: datetime, limit: int
                   ) -> list[tuple[int, int, uuid.UUID, bool]]:
    """Running items whose lease expired: (item id, attempts, batch id, whether the batch
    still runs: queued or running, not cancelling or ended)."""
    rows = conn.execute(
        select(item_t.c.id, item_t.c.attempts, item_t.c.batch_id,
               batch_t.c.status.in_(BATCH_RUNNABLE))
        .join(batch_t, batch_t.c.id == item_t.c.batch_id)
        .where(item_t.c.status == ItemStatus.running.value, item_t.c.lease_expires_at < now)
        .order_by(item_t.c.lease_expires_at)
        .limit(limit)
    ).all()
    return [tuple(r) for r in rows]


def stranded_batches(conn: Connection, limit: int) -> list[uuid.UUID]:
    """Batches that no longer run (cancelling or ended) but still hold queued items: a
    retry or hand-back that raced a cancel. No claim takes those items (batch_runs)."""
    return list(conn.execute(
        select(item_t.c.batch_id).distinct()
        .join(batch_t, batch_t.c.id == item_t.c.batch_id)
        .where(item_t.c.status == ItemStatus.queued.value,
               batch_t.c.status.not_in(BATCH_RUNNABLE))
        .limit(limit)
    ).scalars())


def batch_runs():
    """SQL condition on an item: its batch is queued or running. A claim requires it, so
    nothing starts in a batch that is being cancelled or has ended."""
    # Literals, not an expanding IN: the worker's statement is compiled once and prepared.
    return exists().where(batch_t.c.id == item_t.c.batch_id,
                          batch_t.c.status.in_([literal(s) for s in BATCH_RUNNABLE]))


def queued_items(conn: Connection, *, older_than: datetime | None, limit: int,
                 after_id: int = 0) -> list[tuple[int, str]]:
    """Queued items (id, lane), oldest id first: the resend candidates."""
    conditions = [item_t.c.status == ItemStatus.queued.value, item_t.c.id > after_id]
    if older_than is not None:
        conditions.append(or_(item_t.c.queued_at.is_(None), item_t.c.queued_at < older_than))
    rows = conn.execute(
        select(item_t.c.id, batch_t.c.lane)
        .join(batch_t, batch_t.c.id == item_t.c.batch_id)
        .where(*conditions).order_by(item_t.c.id).limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def touch_queued(conn: Connection, item_ids: Sequence[int], now: datetime) -> None:
    if item_ids:
        conn.execute(update(item_t).where(item_t.c.id.in_(list(item_ids)),
                                          item_t.c.status == ItemStatus.queued.value)
                     .values(queued_at=now))


def count_items_by_status(conn: Connection, batch_id: uuid.UUID) -> dict[str, int]:
    rows = conn.execute(
        select(item_t.c.status, func.count()).where(item_t.c.batch_id == batch_id)
        .group_by(item_t.c.status)
    ).all()
    counts = {s.value: 0 for s in ItemStatus}
    counts.update({status: n for status, n in rows})
    return counts
