"""Small helpers for engine tests: users, waiting for a batch, reading its items."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.accounts import users
from app.db import get_engine
from app.engine import batches
from app.models import Batch, Item, User
from tests.conftest import wait_until

_n = 0


def make_user(role: str = "recruiter", plan: str = "enterprise") -> User:
    global _n
    _n += 1
    return users.create_user(f"user{_n}-{uuid.uuid4().hex[:6]}@example.com", "a-good-password",
                             role=role, plan=plan)


def submit_noop(user: User, n: int, **params) -> Batch:
    lane = params.pop("lane", None)
    dispatch = params.pop("dispatch", True)
    # As an operator (the CLI) does: noop is refused to recruiters through the API and UI.
    return batches.submit(user, kind="noop", items=[batches.NewItem(f"item {i}")
                                                    for i in range(n)],
                          params=params, lane=lane, dispatch=dispatch, operator=True)


def load(batch_id) -> Batch:
    with get_engine().connect() as conn:
        row = conn.execute(select(Batch.__table__).where(Batch.__table__.c.id == batch_id))
        return Batch(**row.mappings().one())


def finished(batch_id) -> Batch | None:
    batch = load(batch_id)
    return batch if batch.status in ("done", "failed", "cancelled", "timed_out") else None


def wait_finished(batch_id, timeout: float = 60.0) -> Batch:
    return wait_until(lambda: finished(batch_id), timeout=timeout,
                      message=f"batch {batch_id} to finish")


def wait_finalized(batch_id, timeout: float = 60.0) -> Batch:
    """Finished, and its finalize message (summary, reports, the pool) handled too: call it
    while a worker runs, as finalizing is a message of its own."""
    wait_finished(batch_id, timeout=timeout)
    return wait_until(lambda: (b := load(batch_id)).summary is not None and b,
                      timeout=timeout, message=f"batch {batch_id} to be finalized")


def items(batch_id) -> list[Item]:
    t = Item.__table__
    with get_engine().connect() as conn:
        rows = conn.execute(select(t).where(t.c.batch_id == batch_id).order_by(t.c.seq))
        return [Item(**r) for r in rows.mappings()]


def assert_counters_match_items(batch_id) -> dict[str, int]:
    status = batches.status(batch_id)
    assert status["counters"] == status["item_states"], status
    assert sum(status["counters"].values()) == status["total"]
    return status["counters"]


def count_rows(model) -> int:
    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
