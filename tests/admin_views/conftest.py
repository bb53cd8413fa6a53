"""Fixtures for the admin dashboard's tests: the web app's simulated user (tests/ui) and
helpers that put batches into exact states without running workers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from app.db import get_engine
from app.engine import batches
from app.models import AuditEvent, Batch, Item
from tests.ui.conftest import (  # noqa: F401  (fixtures, registered by importing them)
    _nicegui_storage,
    _quick_password_hashes,
    anyio_backend,
    stack_overrides,
    user,
    web,
)

batch_t, item_t, audit_t = Batch.__table__, Item.__table__, AuditEvent.__table__
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def submit(owner, title: str, n: int = 3, *, names: list[str] | None = None,
           lane: str | None = None, created_at: datetime | None = None) -> str:
    """A noop batch of `n` pending items (nothing dispatched): status queued."""
    names = names or [f"{title.lower().replace(' ', '-')}-{i}.txt" for i in range(n)]
    batch = batches.submit(owner, kind="noop", operator=True, title=title, lane=lane, dispatch=False,
                           items=[batches.NewItem(name) for name in names])
    if created_at is not None:
        with get_engine().begin() as conn:
            conn.execute(update(batch_t).where(batch_t.c.id == batch.id)
                         .values(created_at=created_at))
    return str(batch.id)


def settle(batch_id: str, *, failed: dict[int, str] | None = None,
           finished_at: datetime | None = None) -> None:
    """Finish a batch as workers would have: items at the given seqs failed with the given
    reasons, the others done; counters equal to the items' states, status to match."""
    failed = failed or {}
    batch_id = uuid.UUID(str(batch_id))
    when = finished_at or datetime.now(timezone.utc)
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.batch_id == batch_id)
                     .values(status="done", finished_at=when, attempts=1))
        for seq, reason in failed.items():
            conn.execute(update(item_t).where(item_t.c.batch_id == batch_id,
                                              item_t.c.seq == seq)
                         .values(status="failed", error=reason))
        counts = dict(conn.execute(select(item_t.c.status, func.count())
                                   .where(item_t.c.batch_id == batch_id)
                                   .group_by(item_t.c.status)).all())
        done, n_failed = counts.get("done", 0), counts.get("failed", 0)
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(
            status="done" if done else "failed", n_pending=0, n_queued=0, n_running=0,
            n_done=done, n_failed=n_failed, n_cancelled=0, started_at=when - timedelta(
                seconds=5), finished_at=when, expires_at=when + timedelta(days=7)))


def load(batch_id: str) -> Batch | None:
    batch_id = uuid.UUID(str(batch_id))
    with get_engine().connect() as conn:
        row = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).mappings().first()
    return Batch(**row) if row else None


def audit_rows(action: str | None = None) -> list[dict]:
    query = select(audit_t).order_by(audit_t.c.id)
    if action:
        query = query.where(audit_t.c.action == action)
    with get_engine().connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def item_states(batch_id: str) -> dict[str, int]:
    batch_id = uuid.UUID(str(batch_id))
    with get_engine().connect() as conn:
        return dict(conn.execute(select(item_t.c.status, func.count())
                                 .where(item_t.c.batch_id == batch_id)
                                 .group_by(item_t.c.status)).all())


def counters(batch_id: str) -> dict[str, int]:
    b = load(batch_id)
    return {s: getattr(b, f"n_{s}") for s in ("pending", "queued", "running", "done",
                                               "failed", "cancelled") if getattr(b, f"n_{s}")}



# Retries of should_see after an action: the services run in a thread (up to 10 s here,
# for a loaded machine; a passing test waits only as long as the action takes).
ACT = 100
