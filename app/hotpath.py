"""The worker's statements on PostgreSQL: claim many items, finish many items, one each.

The same guarded transitions as app.transitions, fused with data-modifying CTEs into one
autocommit statement for a whole group of items (app.groupcommit collects the group from
the threads of a process): the items' own updates, one counter update per batch for all
of them, and, on finishing, the release of as many next pending items as ended. No BEGIN,
no COMMIT, no separate counter update, and one lock of a batch row per group rather than
per item. Built once from the same SQLAlchemy expressions (transitions.counter_values),
so the rules still live in one place; SQLite runs the portable versions instead.

Locks are taken in one order everywhere: items (by id) before batch rows (by id), and
pending items to release with SKIP LOCKED, so concurrent groups never wait on each other
in a cycle.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.sql import ClauseElement

from app import roundtrips
from app.lanes import lane_open
from app.models import ITEM_TERMINAL, ItemStatus
from app.outcome import Ending
from app.transitions import (
    BATCH_COLUMNS,
    BatchState,
    Claimed,
    Persisted,
    batch_t,
    counter_params,
    counter_values,
    item_t,
)

QUEUED, RUNNING, PENDING = (ItemStatus.queued.value, ItemStatus.running.value,
                            ItemStatus.pending.value)


def _sql_literal(value: Any) -> str:
    """One of the statement's own constants (state names, small numbers) as SQL text."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _text_param(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format; the statement casts each to its type."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, datetime):
        return value.isoformat().encode()
    if isinstance(value, list | tuple):  # bigint[]
        return ("{" + ",".join(str(int(v)) for v in value) + "}").encode()
    return str(value).encode()


def _int_array(raw: bytes) -> list[int]:
    inner = raw[1:-1]
    return [int(v) for v in inner.split(b",")] if inner else []


# Result columns in text format, by type OID.
_DECODERS: dict[int, Any] = {
    16: lambda raw: raw == b"t", 20: int, 21: int, 23: int, 700: float, 701: float,
    25: bytes.decode, 1043: bytes.decode, 114: json.loads, 3802: json.loads,
    2950: lambda raw: uuid.UUID(raw.decode()), 1016: _int_array,
    1184: lambda raw: datetime.fromisoformat(raw.decode()),
}


class Compiled:
    """A statement compiled once for PostgreSQL and run through libpq itself.

    SQLAlchemy's per-execution work, and then psycopg's (adapters, its preparation
    bookkeeping, generators), cost more CPU than the database did on this path: about
    0.1 ms a statement on the development machine for psycopg alone. Here the statement's
    constants are written into its text, it is prepared once per connection, parameters
    go in text format (the statement casts each one), and rows come back as text decoded
    by column type. The blocking libpq call releases the GIL like psycopg's own.
    """

    _names = iter(range(1_000_000))

    def __init__(self, statement: ClauseElement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        sql = str(compiled)
        for name, bind in compiled.binds.items():
            if not bind.required:
                sql = sql.replace(f"%({name})s", _sql_literal(bind.value))
        order: list[str] = []

        def positional(match: re.Match) -> str:
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        self.sql = re.sub(r"%\((\w+)\)s", positional, sql).replace("%%", "%")
        self.params = tuple(order)
        self.name = f"shortlist_hot_{next(self._names)}".encode()

    def run(self, conn: psycopg.Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
        roundtrips.count_one()
        pgconn = conn.pgconn
        prepared = conn.__dict__.setdefault("_shortlist_prepared", set())
        if self.name not in prepared:
            self._check(conn, pgconn.prepare(self.name, self.sql.encode()))
            prepared.add(self.name)
        result = pgconn.exec_prepared(self.name, [_text_param(params[n]) for n in self.params])
        self._check(conn, result)
        names = [result.fname(j).decode() for j in range(result.nfields)]
        decoders = [_DECODERS[result.ftype(j)] for j in range(result.nfields)]
        rows = []
        for i in range(result.ntuples):
            row = {}
            for j, (name, decode) in enumerate(zip(names, decoders)):
                raw = result.get_value(i, j)
                row[name] = None if raw is None else decode(raw)
            rows.append(row)
        return rows

    @staticmethod
    def _check(conn: psycopg.Connection, result) -> None:
        if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            return
        if conn.pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError("the connection to PostgreSQL was lost")
        raise psycopg.errors.error_from_result(result, encoding="utf-8")


@lru_cache(maxsize=4)
def _compiled(builder) -> Compiled:
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    return Compiled(builder(), dialect())


def _locked_batches(batch_ids) -> Any:
    """Batch rows locked in id order before the counter update takes them (no deadlock
    between two groups that touch the same batches)."""
    return select(batch_t.c.id).where(batch_t.c.id.in_(batch_ids)).order_by(
        batch_t.c.id).with_for_update().cte("locked")


# --- Claim ---------------------------------------------------------------------------

_ITEM_RETURNING = (item_t.c.id, item_t.c.batch_id, item_t.c.attempts, item_t.c.name,
                   item_t.c.document_id, item_t.c.seq)


def _claim_statement():
    ts = item_t.c.started_at.type
    now = bindparam("now", type_=ts)
    old = (select(item_t.c.id, item_t.c.status)
           .where(item_t.c.id == any_(bindparam("item_ids", type_=ARRAY(BigInteger))))
           .order_by(item_t.c.id).with_for_update().cte("old"))
    claimed = (
        update(item_t)
        .where(item_t.c.id == old.c.id, or_(
            old.c.status == QUEUED,
            and_(old.c.status == RUNNING, item_t.c.lease_expires_at < now,
                 item_t.c.attempts < bindparam("max_attempts", type_=Integer))))
        .values(status=RUNNING, attempts=item_t.c.attempts + 1,
                started_at=now, lease_expires_at=bindparam("p_lease_expires_at", type_=ts),
                worker=bindparam("p_worker", type_=String))
        .returning(*_ITEM_RETURNING, old.c.status.label("from_status"))
        .cte("claimed")
    )
    moved = (select(claimed.c.batch_id, func.count().label("n"))
             .where(claimed.c.from_status == QUEUED).group_by(claimed.c.batch_id).cte("moved"))
    locked = _locked_batches(select(moved.c.batch_id))
    counted = (
        update(batch_t)
        .where(batch_t.c.id == moved.c.batch_id, batch_t.c.id.in_(select(locked.c.id)))
        .values(**counter_values({"n_queued": -moved.c.n, "n_running": moved.c.n}))
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


ClaimResult = tuple[Claimed, bool, BatchState]


def claim_many(conn: psycopg.Connection, item_ids: Sequence[int], worker: str, now: datetime,
               lease: timedelta, max_attempts: int) -> list[ClaimResult | None]:
    """queued -> running (or an expired lease taken over) for each item, counters moved.

    One result per requested id, in order: the claimed item, whether it came from
    `queued`, and its batch after the claim; None where the message must be skipped. An
    id asked for twice is claimed once: the later requests get None.
    """
    rows = _compiled(_claim_statement).run(conn, {
        "item_ids": sorted(set(item_ids)), "now": now, "p_lease_expires_at": now + lease,
        "p_worker": worker, "max_attempts": max_attempts, **counter_params(now),
    })
    by_id = {row["id"]: row for row in rows}
    results: list[ClaimResult | None] = []
    for item_id in item_ids:
        row = by_id.pop(item_id, None)
        if row is None:
            results.append(None)
            continue
        item = Claimed(*(row[c.name] for c in _ITEM_RETURNING))
        state = BatchState(**{c.name: row[f"b_{c.name}"] for c in BATCH_COLUMNS})
        results.append((item, row["from_status"] == QUEUED, state))
    return results


# --- Finish --------------------------------------------------------------------------


# The endings travel as one JSON array of objects: psycopg adapts one string instead of
# eight typed arrays (that adaptation cost more CPU than the rest of the call).
_REQUEST_COLUMNS = (
    ("item_id", BigInteger), ("attempts", Integer), ("status", String), ("error", Text),
    ("result", JSON), ("score", Float), ("refund", Integer), ("expired_only", Boolean),
)


def _finish_statement():
    ts = item_t.c.finished_at.type
    now = bindparam("now", type_=ts)
    req = func.json_to_recordset(bindparam("endings", type_=JSON)).table_valued(
        *[column(name, kind) for name, kind in _REQUEST_COLUMNS]
    ).render_derived(name="req", with_types=True)
    retry = req.c.status == QUEUED
    ended = (
        update(item_t)
        .where(item_t.c.id == req.c.item_id, item_t.c.status == RUNNING,
               item_t.c.attempts == req.c.attempts,
               or_(~req.c.expired_only, item_t.c.lease_expires_at < now))
        .values(status=req.c.status, lease_expires_at=None, error=req.c.error,
                queued_at=case((retry, now), else_=item_t.c.queued_at),
                attempts=case((retry, item_t.c.attempts - req.c.refund),
                              else_=item_t.c.attempts),
                finished_at=case((retry, item_t.c.finished_at), else_=now),
                result=case((retry, item_t.c.result), else_=req.c.result),
                score=case((retry, item_t.c.score), else_=req.c.score))
        .returning(item_t.c.id, item_t.c.batch_id, item_t.c.status)
        .cte("ended")
    )

    def counting(*statuses: ItemStatus):
        # Literals, not an "expanding" IN parameter: the statement runs as fixed SQL.
        return func.count().filter(ended.c.status.in_([literal(s.value) for s in statuses]))

    per_batch = (
        select(ended.c.batch_id, func.count().label("ended"),
               *[counting(s).label(s.value) for s in ITEM_TERMINAL],
               counting(ItemStatus.queued).label("retried"),
               counting(*ITEM_TERMINAL).label("terminal"),
               func.array_agg(ended.c.id).label("ended_ids"))
        .group_by(ended.c.batch_id).cte("per_batch")
    )
    # Fairness: each item that ends lets the next pending one of its batch in, unless
    # the batch's lane is paused.
    following_ids = (
        select(item_t.c.id)
        .where(item_t.c.batch_id == per_batch.c.batch_id, item_t.c.status == PENDING,
               lane_open(per_batch.c.batch_id))
        .order_by(item_t.c.id).limit(per_batch.c.terminal)
        .with_for_update(skip_locked=True).lateral("following_ids")
    )
    following = (select(following_ids.c.id)
                 .select_from(per_batch.join(following_ids, true()))
                 .cte("following").prefix_with("MATERIALIZED"))
    released = (
        update(item_t)
        .where(item_t.c.id == following.c.id, item_t.c.status == PENDING)
        .values(status=QUEUED, queued_at=now)
        .returning(item_t.c.id, item_t.c.batch_id).cte("released")
    )
    released_per_batch = (
        select(released.c.batch_id, func.count().label("n"),
               func.array_agg(released.c.id).label("ids"))
        .group_by(released.c.batch_id).cte("released_per_batch")
    )
    n_released = func.coalesce(released_per_batch.c.n, 0)
    deltas = (
        select(per_batch, n_released.label("released"),
               released_per_batch.c.ids.label("released_ids"))
        .select_from(per_batch.outerjoin(
            released_per_batch, released_per_batch.c.batch_id == per_batch.c.batch_id))
        .cte("deltas")
    )
    locked = _locked_batches(select(deltas.c.batch_id))
    return (
        update(batch_t)
        .where(batch_t.c.id == deltas.c.batch_id, batch_t.c.id.in_(select(locked.c.id)))
        .values(**counter_values({
            "n_running": -deltas.c.ended,
            "n_done": deltas.c.done, "n_failed": deltas.c.failed,
            "n_cancelled": deltas.c.cancelled,
            "n_queued": deltas.c.retried + deltas.c.released,
            "n_pending": -deltas.c.released,
        }))
        .returning(*BATCH_COLUMNS, deltas.c.released_ids, deltas.c.ended_ids)
    )


def finish_many(conn: psycopg.Connection, endings: Sequence[Ending], now: datetime,
                ) -> list[Persisted | None]:
    """running -> done | failed | cancelled | queued (a retry) for each ending, fenced by
    its attempt number; counters moved and the next items released, per batch.

    One result per ending, in order; None where the fence refused it (another attempt
    owns the item now, or it already ended). An item given twice ends once.
    """
    unique: dict[int, Ending] = {}
    for ending in endings:
        unique.setdefault(ending.item_id, ending)
    ordered = sorted(unique.values(), key=lambda e: e.item_id)  # lock order
    payload = json.dumps([
        {"item_id": e.item_id, "attempts": e.attempts, "status": e.outcome.status.value,
         "error": e.outcome.error, "result": e.outcome.result, "score": e.outcome.score,
         "refund": int(e.outcome.refund), "expired_only": e.expired_only}
        for e in ordered], separators=(",", ":"))
    rows = _compiled(_finish_statement).run(conn, {"now": now, "endings": payload,
                                                   **counter_params(now)})
    by_item: dict[int, dict[str, Any]] = {}
    for row in rows:
        for item_id in row["ended_ids"]:
            by_item[item_id] = row
    results: list[Persisted | None] = []
    announced: set[uuid.UUID] = set()
    for ending in endings:
        row = by_item.pop(ending.item_id, None)
        if row is None:
            results.append(None)
            continue
        state = BatchState(**{c.name: row[c.name] for c in BATCH_COLUMNS})
        first = state.id not in announced
        announced.add(state.id)
        results.append(Persisted(state, sorted(row["released_ids"] or []) if first else [],
                                 first))
    return results
