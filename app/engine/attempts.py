"""Each item's history: one `item_attempt` row per attempt, written as the attempt ends.

The group statement on PostgreSQL (app.engine.hotpath) writes the rows of the endings it
persists in the same statement; the portable path (SQLite, a timed-out batch's running
items) writes them here. Rows are never changed: the charts count attempts by the minute
they ended and the lane they ran in, so a later retry or move does not rewrite the past.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Text, bindparam, insert, literal, select
from sqlalchemy.engine import Connection

from app.models import AttemptOutcome, Batch, Item, ItemAttempt, ItemStatus

attempt_t = ItemAttempt.__table__
item_t, batch_t = Item.__table__, Batch.__table__

# The columns an ending writes, in the order of the select that fills them.
COLUMNS = ("item_id", "number", "lane", "kind", "worker", "started_at", "ended_at",
           "outcome", "error", "detail")


def _insert(where, number, now, outcome, error, detail):
    """INSERT ... SELECT of the attempts of the items `where` selects, with the lane and
    kind of their batch as it is now."""
    rows = (select(item_t.c.id, number, batch_t.c.lane, batch_t.c.kind, item_t.c.worker,
                   item_t.c.started_at, now, outcome, error, detail)
            .join(batch_t, batch_t.c.id == item_t.c.batch_id).where(where))
    return insert(attempt_t).from_select(list(COLUMNS), rows)


def record(conn: Connection, item_id: int, number: int, outcome: AttemptOutcome | str,
           now: datetime, *, error: str | None = None, detail: str | None = None) -> None:
    """The end of attempt `number` of an item (called right after the item's update)."""
    conn.execute(_insert(
        item_t.c.id == item_id, literal(number), bindparam("now", now, type_=attempt_t.c.ended_at.type),
        literal(str(AttemptOutcome(outcome))), bindparam("error", error, type_=attempt_t.c.error.type),
        bindparam("detail", detail, type_=Text)))


def record_running_cancelled(conn: Connection, batch_id: uuid.UUID, now: datetime,
                             reason: str) -> int:
    """The running attempts of a batch cut short (it timed out): called before they are
    cancelled, so each has its end recorded. Returns how many."""
    return conn.execute(_insert(
        (item_t.c.batch_id == batch_id) & (item_t.c.status == ItemStatus.running.value),
        item_t.c.attempts, bindparam("now", now, type_=attempt_t.c.ended_at.type),
        literal(AttemptOutcome.cancelled.value), bindparam("error", reason, type_=attempt_t.c.error.type),
        literal(None, Text))).rowcount
