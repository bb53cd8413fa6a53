"""A batch's counters and status, moved by one guarded UPDATE (`move_counters`) whose SQL
pieces the worker's group statement (app.engine.hotpath) shares, and the state it returns
(`BatchState`, what events carry).

Counters move by increments in the same transaction as the items they count (never a
recount), so `n_<state>` always equals the number of items in that state; when the last
unfinished item ends, the batch takes its final status. The caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Integer, String, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.engine import Connection

from app.models import BATCH_ACTIVE, Batch, BatchStatus, ItemStatus
from app.settings import get_settings

batch_t = Batch.__table__

_COUNTERS = ("n_pending", "n_queued", "n_running", "n_done", "n_failed", "n_cancelled")
BATCH_COLUMNS = (
    batch_t.c.id, batch_t.c.owner_id, batch_t.c.kind, batch_t.c.lane, batch_t.c.status,
    batch_t.c.total, *(batch_t.c[c] for c in _COUNTERS), batch_t.c.params,
)


@dataclass(frozen=True)
class BatchState:
    """A batch's status and counters right after a transition: what events carry."""

    id: uuid.UUID
    owner_id: int
    kind: str
    lane: str
    status: str
    total: int
    n_pending: int
    n_queued: int
    n_running: int
    n_done: int
    n_failed: int
    n_cancelled: int
    params: dict[str, Any]

    @property
    def unfinished(self) -> int:
        return self.n_pending + self.n_queued + self.n_running

    @property
    def finished(self) -> bool:
        return self.status not in BATCH_ACTIVE

    def counters(self) -> dict[str, int]:
        return {c[2:]: getattr(self, c) for c in _COUNTERS}

    def event(self) -> dict[str, Any]:
        return {
            "batch_id": str(self.id), "owner_id": self.owner_id, "status": self.status,
            "lane": self.lane, "total": self.total, "counts": self.counters(),
        }


@dataclass(frozen=True)
class Persisted:
    """An attempt's end, persisted: its batch right after, and the items it released.

    Where several endings of one batch were persisted together, the first carries the
    released items of them all and `first`; the others carry none, so each batch's
    messages are sent, and its state announced, once.
    """

    state: BatchState
    released: list[int]
    first: bool = True


def state_from_row(row) -> BatchState:
    return BatchState(**dict(row._mapping))


def _final_status(current, after: dict[str, Any]):
    """The status a batch takes when its last unfinished item ends.

    `after` maps counter names to SQL expressions of their new values: `done` counts its
    failures; `failed` means every item failed. A batch that was cancelled stays
    `cancelled` while any of its items are still cancelled (its failed files retried,
    say): `cancelled_at` is cleared only when its cancelled files are tried again.
    """
    return case(
        (current == BatchStatus.cancelling.value, BatchStatus.cancelled.value),
        (and_(batch_t.c.cancelled_at.is_not(None), after["n_cancelled"] > 0),
         BatchStatus.cancelled.value),
        (and_(after["n_done"] == 0, after["n_cancelled"] == 0, after["n_failed"] > 0),
         BatchStatus.failed.value),
        (and_(after["n_done"] == 0, after["n_failed"] == 0, after["n_cancelled"] > 0),
         BatchStatus.cancelled.value),
        else_=BatchStatus.done.value,
    )


def counter_values(deltas: dict[str, Any], extra_keys: tuple[str, ...] = (),
                   started: Any = None) -> dict[str, Any]:
    """SET clause of the batch counter UPDATE: counters plus `deltas` (SQL expressions),
    and the status, milestones and expiry that follow from the new counts. `started` is
    when items started running (default: the running count grows).

    Bound parameters it uses: now, reopen, set_status, expires_done, expires_failed, and
    x_<key> for each extra key.
    """
    ts = batch_t.c.finished_at.type
    after = {c: batch_t.c[c] + deltas[c] if c in deltas else batch_t.c[c] for c in _COUNTERS}
    unfinished = after["n_pending"] + after["n_queued"] + after["n_running"]
    old = batch_t.c.status
    # Plain literals, not an "expanding" IN parameter, so the statement compiles to fixed
    # SQL that app.engine.hotpath can run on the raw connection.
    active = or_(bindparam("reopen", type_=Boolean),
                 old.in_([literal(s.value) for s in BATCH_ACTIVE]))
    current = func.coalesce(bindparam("set_status", type_=String), old)
    ends = and_(active, unfinished == 0)
    final = _final_status(current, after)
    values: dict[str, Any] = {c: v for c, v in after.items() if c in deltas}
    values["status"] = case(
        (~active, old),
        (unfinished == 0, final),
        (and_(current == BatchStatus.queued.value,
              after["n_running"] + after["n_done"] + after["n_failed"] > 0),
         BatchStatus.running.value),
        else_=current,
    )
    values["finished_at"] = case((ends, bindparam("now", type_=ts)), else_=batch_t.c.finished_at)
    values["expires_at"] = case(
        (ends, case((final == BatchStatus.failed.value, bindparam("expires_failed", type_=ts)),
                    else_=bindparam("expires_done", type_=ts))),
        else_=batch_t.c.expires_at,
    )
    if "n_running" in deltas:
        values["started_at"] = case(
            (deltas["n_running"] > 0 if started is None else started,
             func.coalesce(batch_t.c.started_at, bindparam("now", type_=ts))),
            else_=batch_t.c.started_at,
        )
    for key in extra_keys:
        values[key] = bindparam(f"x_{key}", type_=batch_t.c[key].type)
    return values


def counter_params(now: datetime, *, retention: tuple[timedelta, timedelta] | None = None,
                   set_status: BatchStatus | None = None, reopen: bool = False,
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The bound parameters `counter_values` needs (retention defaults to the settings)."""
    if retention is None:
        settings = get_settings()
        retention = (timedelta(days=settings.retention_done_days),
                     timedelta(days=settings.retention_failed_days))
    return {
        "now": now, "reopen": reopen, "set_status": set_status.value if set_status else None,
        "expires_done": now + retention[0], "expires_failed": now + retention[1],
        **{f"x_{key}": value for key, value in (extra or {}).items()},
    }


@lru_cache(maxsize=32)
def _counter_statement(extra_keys: tuple[str, ...]):
    """The batch counter UPDATE, built once per shape: every value is a bound parameter,
    so the hot path pays neither for building expressions nor for compiling them."""
    deltas = {c: bindparam(f"d_{c}", type_=Integer) for c in _COUNTERS}
    return (update(batch_t)
            .where(batch_t.c.id == bindparam("p_batch_id", type_=batch_t.c.id.type))
            .values(**counter_values(deltas, extra_keys)).returning(*BATCH_COLUMNS))


def move_counters(
    conn: Connection,
    batch_id: uuid.UUID,
    deltas: dict[ItemStatus, int],
    now: datetime,
    *,
    retention: tuple[timedelta, timedelta] | None = None,
    set_status: BatchStatus | None = None,
    reopen: bool = False,
    extra: dict[str, Any] | None = None,
) -> BatchState:
    """Apply counter deltas to a batch and settle its status; one UPDATE ... RETURNING.

    While the batch is active (or `reopen`), `set_status` replaces its status; when no
    item is left unfinished it takes its final status, and `retention` (done/cancelled,
    failed; default from settings) sets when cleanup may delete it. A finished batch keeps
    its status. `extra` sets further columns as given.
    """
    extra = extra or {}
    params: dict[str, Any] = {f"d_{c}": 0 for c in _COUNTERS}
    for status, delta in deltas.items():
        params[f"d_n_{status.value}"] += delta
    params.update(counter_params(now, retention=retention, set_status=set_status,
                                 reopen=reopen, extra=extra), p_batch_id=batch_id)
    row = conn.execute(_counter_statement(tuple(sorted(extra))), params).one()
    return state_from_row(row)


def read_state(conn: Connection, batch_id: uuid.UUID) -> BatchState | None:
    row = conn.execute(select(*BATCH_COLUMNS).where(batch_t.c.id == batch_id)).first()
    return state_from_row(row) if row else None
