"""The worker's two statements per item on PostgreSQL: claim, and finish-and-release.

The same guarded transitions as app.transitions, fused with data-modifying CTEs into one
autocommit statement each, so an item costs two database round trips in all: no BEGIN,
no COMMIT, no separate counter update. Built once from the same SQLAlchemy expressions
(transitions.counter_values), so the rules still live in one place; SQLite runs the
portable multi-statement versions instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import Integer, String, and_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement

from app import roundtrips
from app.models import ITEM_TERMINAL, ItemStatus
from app.transitions import (
    BATCH_COLUMNS,
    BatchState,
    Claimed,
    batch_t,
    counter_params,
    counter_values,
    item_t,
)


class Compiled:
    """A statement compiled once for PostgreSQL, run on the raw psycopg connection.

    SQLAlchemy's per-execution work (parameter processing, result wrapping) cost more CPU
    than the database did on this path; psycopg adapts these parameter types natively.
    """

    def __init__(self, statement: ClauseElement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Literals in the statement (LIMIT 1, status names) are bind parameters too.
        self.defaults = {name: bind.value for name, bind in compiled.binds.items()
                         if not bind.required}

    def run(self, conn: Connection, params: dict[str, Any]):
        roundtrips.count_one()
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(self.sql, {**self.defaults, **params})
        row = cursor.fetchone()
        names = [d.name for d in cursor.description]
        cursor.close()
        return None if row is None else dict(zip(names, row))


@lru_cache(maxsize=16)
def _compiled(builder, *args) -> Compiled:
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    return Compiled(builder(*args), dialect())


_ITEM_RETURNING = (item_t.c.id, item_t.c.batch_id, item_t.c.attempts, item_t.c.name,
                   item_t.c.document_id, item_t.c.seq)


@lru_cache(maxsize=1)
def _claim_statement():
    ts = item_t.c.started_at.type
    now = bindparam("now", type_=ts)
    old = (select(item_t.c.id, item_t.c.status)
           .where(item_t.c.id == bindparam("item_id", type_=item_t.c.id.type))
           .with_for_update().cte("old"))
    claimed = (
        update(item_t)
        .where(item_t.c.id == old.c.id, or_(
            old.c.status == ItemStatus.queued.value,
            and_(old.c.status == ItemStatus.running.value, item_t.c.lease_expires_at < now,
                 item_t.c.attempts < bindparam("max_attempts", type_=Integer))))
        .values(status=ItemStatus.running.value, attempts=item_t.c.attempts + 1,
                started_at=now, lease_expires_at=bindparam("p_lease_expires_at", type_=ts),
                worker=bindparam("p_worker", type_=String))
        .returning(*_ITEM_RETURNING, old.c.status.label("from_status"))
        .cte("claimed")
    )
    counted = (
        update(batch_t)
        .where(batch_t.c.id == claimed.c.batch_id,
               claimed.c.from_status == ItemStatus.queued.value)
        .values(**counter_values({"n_queued": literal(-1), "n_running": literal(1)}))
        .returning(*BATCH_COLUMNS)
        .cte("counted")
    )
    # The outer SELECT sees the batch as it was before this statement: take the new
    # counters from `counted` when it moved them.
    state = [func.coalesce(counted.c[c.name], batch_t.c[c.name]).label(f"b_{c.name}")
             for c in BATCH_COLUMNS]
    return (select(*[claimed.c[c.name] for c in _ITEM_RETURNING], claimed.c.from_status, *state)
            .select_from(claimed.join(batch_t, batch_t.c.id == claimed.c.batch_id)
                         .outerjoin(counted, counted.c.id == claimed.c.batch_id)))


def claim(conn: Connection, item_id: int, worker: str, now: datetime, lease: timedelta,
          max_attempts: int) -> tuple[Claimed, bool, BatchState] | None:
    mapping = _compiled(_claim_statement).run(conn, {
        "item_id": item_id, "now": now, "p_lease_expires_at": now + lease,
        "p_worker": worker, "max_attempts": max_attempts, **counter_params(now),
    })
    if mapping is None:
        return None
    item = Claimed(*(mapping[c.name] for c in _ITEM_RETURNING))
    state = BatchState(**{c.name: mapping[f"b_{c.name}"] for c in BATCH_COLUMNS})
    return item, mapping["from_status"] == ItemStatus.queued.value, state


@lru_cache(maxsize=8)
def _finish_statement(status: ItemStatus, expired_only: bool):
    ts = item_t.c.finished_at.type
    now = bindparam("now", type_=ts)
    conditions = [item_t.c.id == bindparam("item_id", type_=item_t.c.id.type),
                  item_t.c.status == ItemStatus.running.value,
                  item_t.c.attempts == bindparam("p_attempts", type_=Integer)]
    if expired_only:
        conditions.append(item_t.c.lease_expires_at < now)
    values: dict[str, Any] = {"status": status.value, "lease_expires_at": None,
                              "error": bindparam("p_error", type_=item_t.c.error.type)}
    if status == ItemStatus.queued:
        values["queued_at"] = now
        values["attempts"] = item_t.c.attempts - bindparam("p_refund", type_=Integer)
    else:
        values.update(finished_at=now, result=bindparam("p_result", type_=item_t.c.result.type),
                      score=bindparam("p_score", type_=item_t.c.score.type))
    ended = (update(item_t).where(*conditions).values(**values)
             .returning(item_t.c.batch_id).cte("ended"))
    ended_batch = select(ended.c.batch_id).scalar_subquery()
    deltas: dict[str, Any] = {"n_running": literal(-1)}
    deltas[f"n_{status.value}"] = literal(1)
    released_ids: Any = literal(None, ARRAY(item_t.c.id.type))
    if status in ITEM_TERMINAL:
        # Fairness: the item that ends lets the next pending one of its batch in.
        following = (
            select(item_t.c.id)
            .where(item_t.c.batch_id == ended_batch,
                   item_t.c.status == ItemStatus.pending.value)
            .order_by(item_t.c.id).limit(1).with_for_update(skip_locked=True)
            .cte("following").prefix_with("MATERIALIZED")
        )
        released = (
            update(item_t)
            .where(item_t.c.id.in_(select(following.c.id)),
                   item_t.c.status == ItemStatus.pending.value)
            .values(status=ItemStatus.queued.value, queued_at=now)
            .returning(item_t.c.id).cte("released")
        )
        count = select(func.count()).select_from(released).scalar_subquery()
        deltas["n_pending"] = -count
        deltas["n_queued"] = deltas.get("n_queued", literal(0)) + count
        released_ids = select(func.array_agg(released.c.id)).scalar_subquery()
    return (update(batch_t).where(batch_t.c.id == ended_batch)
            .values(**counter_values(deltas))
            .returning(*BATCH_COLUMNS, released_ids.label("released")))


def finish(conn: Connection, item_id: int, attempts: int, status: ItemStatus, now: datetime,
           *, error: str | None, result: dict[str, Any] | None, score: float | None,
           expired_only: bool = False, refund: bool = False,
           ) -> tuple[BatchState, list[int]] | None:
    mapping = _compiled(_finish_statement, status, expired_only).run(conn, {
        "item_id": item_id, "p_attempts": attempts, "p_error": error,
        "p_result": None if result is None else Json(result),
        "p_score": score, "p_refund": int(refund), **counter_params(now),
    })
    if mapping is None:
        return None
    state = BatchState(**{c.name: mapping[c.name] for c in BATCH_COLUMNS})
    return state, sorted(mapping["released"] or [])
