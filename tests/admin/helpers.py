"""Known states for the dashboard's tests: items finished at chosen times, counters kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from nicegui.testing.user import User
from sqlalchemy import select, update

from app.db import get_engine
from app.engine import attempts
from app.models import Batch, Item

item_t, batch_t = Item.__table__, Batch.__table__


def finish_items(batch_id: uuid.UUID, n: int, status: str, at: datetime,
                 error: str | None = None) -> list[int]:
    """Move n queued items of the batch to `status`, finished at `at`, with the batch's
    counters moved too (as a worker would, minus the broker)."""
    with get_engine().begin() as conn:
        ids = conn.execute(select(item_t.c.id).where(
            item_t.c.batch_id == batch_id, item_t.c.status == "queued")
            .order_by(item_t.c.id).limit(n)).scalars().all()
        assert len(ids) == n, f"only {len(ids)} queued items"
        conn.execute(update(item_t).where(item_t.c.id.in_(ids)).values(
            status=status, attempts=1, started_at=at - timedelta(seconds=1), finished_at=at,
            error=error))
        for item_id in ids:  # the item history the charts count, as a worker writes it
            attempts.record(conn, item_id, 1, status, at, error=error)
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(
            n_queued=batch_t.c.n_queued - n, **{f"n_{status}": batch_t.c[f"n_{status}"] + n}))
    return list(ids)


def set_batch(batch_id: uuid.UUID, **values) -> None:
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(**values))


def set_queued_at(batch_id: uuid.UUID, at: datetime) -> None:
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.batch_id == batch_id,
                                          item_t.c.status == "queued").values(queued_at=at))


def text_of(user: User, marker: str) -> str:
    """The text of the (first) element with this marker on the simulated user's page."""
    elements = sorted(user.find(marker=marker).elements, key=lambda e: e.id)
    assert elements, f"nothing marked {marker!r}"
    return elements[0].text


async def wait_text(user: User, marker: str, expected: str, timeout: float = 15.0) -> None:
    """Until the element shows `expected` (live updates arrive on the refresh interval)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        shown = text_of(user, marker)
        if shown == expected:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{marker!r} shows {shown!r}, not {expected!r}")
        await asyncio.sleep(0.05)
