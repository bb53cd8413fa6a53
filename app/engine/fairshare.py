"""A user's batches in one lane share one window: the one home of that rule.

The database holds the backlog; a batch has at most `dispatch_window` of its items in
the broker, and each item that ends lets the next one in (app.engine.hotpath). A lane's
Redis queue is first in, first out, so whoever has more messages in it gets more of the
lane: with a window per batch, six batches of one user put six windows ahead of
another user's one. Here the window is per user and lane (DISPATCH_WINDOW): their active
batches split it, oldest first for the remainder, at least one item each, so submitting
more batches buys no more of the lane, and a new user's first window waits behind at
most one window of each other user.

A batch's share is kept in `batch.dispatch_window`, set when a batch is submitted (its
siblings shrink: they release nothing until they are under their new share), when one
ends (its siblings grow and are topped up at once) and by the scheduler's top-up as a
safety net. The release statement reads the share, so there is no cache to go stale.
"""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from app.models import Batch, BatchStatus
from app.settings import get_settings

batch_t = Batch.__table__
# Batches that still release items (a cancelling one releases nothing).
ACTIVE = (BatchStatus.queued.value, BatchStatus.running.value)


def split(window: int, n: int) -> list[int]:
    """`window` split over `n` batches, the oldest first for the remainder, 1 at least."""
    base, extra = divmod(window, n)
    return [max(1, base + (1 if i < extra else 0)) for i in range(n)]


def rebalance(conn: Connection, *, owner_id: int | None = None,
              lane: str | None = None) -> list[uuid.UUID]:
    """Give every active batch (of `owner_id` in `lane`, if given) its share of its
    owner's window in its lane. Returns the batches whose share grew: top them up."""
    query = (select(batch_t.c.id, batch_t.c.owner_id, batch_t.c.lane,
                    batch_t.c.dispatch_window)
             .where(batch_t.c.status.in_(ACTIVE))
             .order_by(batch_t.c.owner_id, batch_t.c.lane, batch_t.c.created_at,
                       batch_t.c.id))
    if owner_id is not None:
        query = query.where(batch_t.c.owner_id == owner_id)
    if lane is not None:
        query = query.where(batch_t.c.lane == lane)
    window = get_settings().dispatch_window
    changes: dict[uuid.UUID, int] = {}
    grown: list[uuid.UUID] = []
    rows = conn.execute(query).all()
    for _, group in itertools.groupby(rows, key=lambda r: (r.owner_id, r.lane)):
        group = list(group)
        for row, share in zip(group, split(window, len(group)), strict=True):
            if row.dispatch_window != share:
                changes[row.id] = share
                if share > row.dispatch_window:
                    grown.append(row.id)
    # In id order, as the release statement locks batch rows: no deadlock between them.
    for batch_id in sorted(changes):
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id)
                     .values(dispatch_window=changes[batch_id]))
    return grown
