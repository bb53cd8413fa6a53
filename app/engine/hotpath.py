"""The worker's statement on PostgreSQL: claims and endings of many items, all in one.

A worker process runs one statement at a time (app.engine.writebehind collects the group from
its threads): the claims its threads wait for and the endings they queued, fused with
data-modifying CTEs into one autocommit statement. It updates the items, moves each
batch's counters once for all of them, and releases as many next pending items as
ended. No BEGIN, no COMMIT, no separate counter update, and one lock of a batch row per
group and process. Built from the same SQLAlchemy expressions as app.engine.transitions
(counter_values), so the rules live in one place; SQLite runs the portable versions.

Items to update are sorted by id, batch rows are locked in id order after the items, and
pending items to release are taken with SKIP LOCKED, so two processes' groups rarely
wait on each other in a cycle (PostgreSQL detects the rare one; the statement, having
changed nothing, runs again: app.db.DedicatedConnection).
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
    any_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.sql import ClauseElement

from app import roundtrips
from app.engine import attempts as attempts_history
from app.engine.attempts import attempt_t
from app.engine.counters import BATCH_COLUMNS, BatchState, Persisted, counter_params, counter_values
from app.engine.lanes import lane_open
from app.engine.outcome import Ending
from app.engine.transitions import Claimed, batch_runs, batch_t, item_t
from app.models import ITEM_TERMINAL, ItemStatus

QUEUED, RUNNING, PENDING = (ItemStatus.queued.value, ItemStatus.running.value,
                            ItemStatus.pending.value)


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | uuid.UUID):
        return str(value)
    text = json.dumps(value, separators=(",", ":")) if isinstance(value, dict) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text_param(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format; the statement casts each to its type."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, datetime):
        return value.isoformat().encode()
    if isinstance(value, list | tuple):  # an array: ids, or one field of every ending
        return ("{" + ",".join(_array_element(v) for v in value) + "}").encode()
    return str(value).encode()


def _int_array(raw: bytes) -> list[int]:
    inner = raw[1:-1]
    return [int(v) for v in inner.split(b",")] if inner else []


@lru_cache(maxsize=4096)
def _uuid(raw: bytes) -> uuid.UUID:
    # A group's rows repeat the same few batch ids.
    return uuid.UUID(raw.decode())


# Result columns in text format, by type OID.
_DECODERS: dict[int, Any] = {
    16: lambda raw: raw == b"t", 20: int, 21: int, 23: int, 700: float, 701: float,
    25: bytes.decode, 1043: bytes.decode, 114: json.loads, 3802: json.loads,
    2950: _uuid, 1016: _int_array,
    1184: lambda raw: datetime.fromisoformat(raw.decode()),
}


class Compiled:
    """A statement compiled once for PostgreSQL and run through libpq itself.

    SQLAlchemy's per-execution work, and then psycopg's (adapters, its preparation
    bookkeeping, generators), cost more CPU than the database did on this path: about
    0.1 ms a statement on the development machine for psycopg alone. Here the statement
    is prepared once per connection, parameters go in text format (the statement casts
    each one), and rows come back as text decoded by column type. The blocking libpq
    call releases the GIL like psycopg's own.
    """

    _names = iter(range(1_000_000))

    def __init__(self, statement: ClauseElement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        # The statement's own constants (state names, small numbers) stay parameters, not
        # literals: with a literal 'queued' PostgreSQL's generic plan read the column's
        # statistics (few items are queued), found the items through the status index
        # and scanned every queued item of every batch instead of taking the few by key.
        defaults = {name: bind.value for name, bind in compiled.binds.items()
                    if not bind.required}
        order: list[str] = []

        def positional(match: re.Match) -> str:
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        self.sql = re.sub(r"%\((\w+)\)s", positional, str(compiled)).replace("%%", "%")
        # Each parameter's place, and the constants already in text format.
        self.params = tuple(order)
        self.encoded = [(name, name in defaults, _text_param(defaults.get(name)))
                        for name in order]
        self.name = f"shortlist_hot_{next(self._names)}".encode()
        self.columns: list[tuple[int, str, Any]] | None = None

    def run(self, conn: psycopg.Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
        roundtrips.count_one()
        pgconn = conn.pgconn
        prepared = conn.__dict__.setdefault("_shortlist_prepared", set())
        if self.name not in prepared:
            self._check(conn, pgconn.prepare(self.name, self.sql.encode()))
            prepared.add(self.name)
        result = pgconn.exec_prepared(self.name, [
            constant if is_constant else _text_param(params[name])
            for name, is_constant, constant in self.encoded])
        self._check(conn, result)
        if self.columns is None:  # the same for every run of a prepared statement
            self.columns = [(j, result.fname(j).decode(), _DECODERS[result.ftype(j)])
                            for j in range(result.nfields)]
        get = result.get_value
        return [{name: None if (raw := get(i, j)) is None else decode(raw)
                 for j, name, decode in self.columns} for i in range(result.ntuples)]

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


# --- The group statement -----------------------------------------------------------

_ITEM_RETURNING = (item_t.c.id, item_t.c.batch_id, item_t.c.attempts, item_t.c.name,
                   item_t.c.document_id, item_t.c.seq)
_STATE_COLUMNS = tuple(c for c in BATCH_COLUMNS if c.name != "params")

# The endings travel as one array per field, unnested together: the planner estimates
# unnest's rows from its arrays and finds the items by primary key (with
# json_to_recordset, estimated at 100 rows, it scanned the index entries of every running
# item, dead ones included: 12 ms a statement instead of 0.1 on the bench).
_ENDING_COLUMNS = (
    ("item_id", BigInteger), ("attempts", Integer), ("status", String), ("error", Text),
    ("result", JSON), ("score", Float), ("refund", Integer), ("expired_only", Boolean),
    ("retryable", Boolean), ("outcome", String), ("detail", Text),
)


def _claims(now):
    """Two guarded updates, one per state an item may be claimed from; only those from
    `queued` move counters (a lease taken over was counted as running already). A claim
    made ahead of its item's start takes only an item never tried before
    (app.engine.processing.claim_ahead). Neither takes an item of a batch that is being
    cancelled or has ended."""
    ts = item_t.c.started_at.type
    requested = func.unnest(bindparam("item_ids", type_=ARRAY(BigInteger)),
                            bindparam("ahead", type_=ARRAY(Boolean))).table_valued(
        "id", "ahead").render_derived(name="requested")
    allowed = or_(~requested.c.ahead, item_t.c.attempts == 0)
    values = dict(status=RUNNING, attempts=item_t.c.attempts + 1, started_at=now,
                  lease_expires_at=bindparam("p_lease_expires_at", type_=ts),
                  worker=bindparam("p_worker", type_=String))
    from_queued = (
        update(item_t).where(item_t.c.id == requested.c.id, item_t.c.status == QUEUED,
                             allowed, batch_runs())
        .values(**values).returning(*_ITEM_RETURNING).cte("from_queued")
    )
    taken_over = (
        update(item_t)
        .where(item_t.c.id == requested.c.id, item_t.c.status == RUNNING,
               item_t.c.lease_expires_at < now,
               item_t.c.attempts < bindparam("max_attempts", type_=Integer), allowed,
               batch_runs())
        .values(**values).returning(*_ITEM_RETURNING).cte("taken_over")
    )
    claimed = (select(from_queued.c.batch_id, func.count().label("claimed"))
               .group_by(from_queued.c.batch_id).cte("claimed"))
    return from_queued, taken_over, claimed


def _endings(now):
    """running -> the ending's status, fenced by the attempt number; per batch, what
    ended and the next pending items released for the terminal ones."""
    req = func.unnest(*[bindparam(f"e_{name}", type_=ARRAY(kind))
                        for name, kind in _ENDING_COLUMNS]).table_valued(
        *[name for name, _ in _ENDING_COLUMNS]).render_derived(name="req")
    retry = req.c.status == QUEUED
    ended = (
        update(item_t)
        .where(item_t.c.id == req.c.item_id, item_t.c.status == RUNNING,
               item_t.c.attempts == req.c.attempts,
               or_(~req.c.expired_only, item_t.c.lease_expires_at < now))
        .values(status=req.c.status, lease_expires_at=None, error=req.c.error,
                retryable=req.c.retryable,
                queued_at=case((retry, now), else_=item_t.c.queued_at),
                attempts=case((retry, item_t.c.attempts - req.c.refund),
                              else_=item_t.c.attempts),
                finished_at=case((retry, item_t.c.finished_at), else_=now),
                result=case((retry, item_t.c.result), else_=req.c.result),
                score=case((retry, item_t.c.score), else_=req.c.score))
        .returning(item_t.c.id, item_t.c.batch_id, item_t.c.status, item_t.c.worker,
                   item_t.c.started_at, item_t.c.error, req.c.attempts.label("number"),
                   req.c.outcome, req.c.detail)
        .cte("ended")
    )
    # Each ending's attempt in the item's history, with the lane its batch runs in now.
    recorded = insert(attempt_t).from_select(
        list(attempts_history.COLUMNS),
        select(ended.c.id, ended.c.number, batch_t.c.lane, batch_t.c.kind, ended.c.worker,
               ended.c.started_at, now, ended.c.outcome, ended.c.error, ended.c.detail)
        .join(batch_t, batch_t.c.id == ended.c.batch_id)).cte("recorded")

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
    # the batch's lane is paused, as far as the batch's share of its owner's window
    # allows (app.engine.fairshare): a share that shrank releases nothing until the
    # batch is under it, one that grew releases the difference too.
    share = batch_t.alias("share_of_batch")
    room = (select(func.greatest(literal(0), per_batch.c.terminal + share.c.dispatch_window
                                 - share.c.n_queued - share.c.n_running))
            .where(share.c.id == per_batch.c.batch_id)
            .correlate(per_batch).scalar_subquery())
    # 'pending' written out, not a parameter: the plan reads the partial index of pending
    # items (ix_item_pending, ordered by batch and id) and stops at the limit.
    following_ids = (
        select(item_t.c.id)
        .where(item_t.c.batch_id == per_batch.c.batch_id,
               item_t.c.status == literal_column(f"'{PENDING}'"),
               lane_open(per_batch.c.batch_id))
        .order_by(item_t.c.id)
        .limit(room)
        .with_for_update(skip_locked=True).lateral("following_ids")
    )
    following = (select(following_ids.c.id)
                 .select_from(per_batch.join(following_ids, true()))
                 .cte("following").prefix_with("MATERIALIZED"))
    # By key: as a join with `following`, whose size the planner cannot know, it chose to
    # hash every item of the table.
    released = (
        update(item_t)
        .where(item_t.c.id == any_(func.array(select(following.c.id).scalar_subquery())),
               item_t.c.status == PENDING)
        .values(status=QUEUED, queued_at=now)
        .returning(item_t.c.id, item_t.c.batch_id).cte("released")
    )
    released_per_batch = (
        select(released.c.batch_id, func.count().label("n"),
               func.array_agg(released.c.id).label("ids"))
        .group_by(released.c.batch_id).cte("released_per_batch")
    )
    return per_batch, released_per_batch, recorded


def _group_statement():
    now = bindparam("now", type_=item_t.c.started_at.type)
    from_queued, taken_over, claimed = _claims(now)
    per_batch, released_per_batch, recorded = _endings(now)
    batch_id = func.coalesce(per_batch.c.batch_id, claimed.c.batch_id)
    zero = literal(0)
    deltas = (
        select(batch_id.label("batch_id"),
               func.coalesce(claimed.c.claimed, zero).label("claimed"),
               *[func.coalesce(per_batch.c[name], zero).label(name)
                 for name in ("ended", "done", "failed", "cancelled", "retried")],
               func.coalesce(released_per_batch.c.n, zero).label("released"),
               released_per_batch.c.ids.label("released_ids"), per_batch.c.ended_ids)
        .select_from(per_batch.join(claimed, claimed.c.batch_id == per_batch.c.batch_id,
                                    full=True)
                     .outerjoin(released_per_batch,
                                released_per_batch.c.batch_id == per_batch.c.batch_id))
        .cte("deltas")
    )
    locked = _locked_batches(select(deltas.c.batch_id))
    counted = (
        update(batch_t)
        .where(batch_t.c.id == deltas.c.batch_id, batch_t.c.id.in_(select(locked.c.id)))
        .values(**counter_values({
            "n_running": deltas.c.claimed - deltas.c.ended,
            "n_done": deltas.c.done, "n_failed": deltas.c.failed,
            "n_cancelled": deltas.c.cancelled,
            "n_queued": deltas.c.retried + deltas.c.released - deltas.c.claimed,
            "n_pending": -deltas.c.released,
        }, started=deltas.c.claimed > 0))
        .returning(*_STATE_COLUMNS, deltas.c.released_ids, deltas.c.ended_ids)
        .cte("counted")
    )
    items = [c.name for c in _ITEM_RETURNING]
    nothing = [literal(None, c.type).label(c.name) for c in _ITEM_RETURNING]
    state = [counted.c[c.name].label(f"b_{c.name}") for c in _STATE_COLUMNS]
    return union_all(
        # Claimed from queued: the item, with its batch after this statement.
        select(*[from_queued.c[n] for n in items], literal("claim").label("row"),
               true().label("counted"), *state,
               literal(None, ARRAY(BigInteger)).label("released_ids"),
               literal(None, ARRAY(BigInteger)).label("ended_ids"))
        .select_from(from_queued.join(counted, counted.c.id == from_queued.c.batch_id)),
        # A lease taken over moved no counter: its batch as it is.
        select(*[taken_over.c[n] for n in items], literal("claim"), false(),
               *[batch_t.c[c.name] for c in _STATE_COLUMNS],
               literal(None, ARRAY(BigInteger)), literal(None, ARRAY(BigInteger)))
        .select_from(taken_over.join(batch_t, batch_t.c.id == taken_over.c.batch_id)),
        # One row per batch in which items ended: its state, what ended, what is released.
        select(*nothing, literal("batch"), false(), *state, counted.c.released_ids,
               counted.c.ended_ids)
        .where(counted.c.ended_ids.is_not(None)),
    ).add_cte(recorded)  # referenced by nothing: rendered (and so run) all the same


def _params_statement():
    return select(batch_t.c.id, batch_t.c.params).where(
        batch_t.c.id == any_(bindparam("batch_ids", type_=ARRAY(batch_t.c.id.type))))


# A batch's parameters never change after submission: each process reads them once.
_params_cache: dict[uuid.UUID, dict[str, Any]] = {}
PARAMS_CACHE_SIZE = 4096


def _params_of(conn: psycopg.Connection, batch_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict]:
    missing = [b for b in batch_ids if b not in _params_cache]
    if missing:
        if len(_params_cache) + len(missing) > PARAMS_CACHE_SIZE:
            _params_cache.clear()
        for row in _compiled(_params_statement).run(conn, {"batch_ids": missing}):
            _params_cache[row["id"]] = row["params"]
    return {b: _params_cache.get(b, {}) for b in batch_ids}


def warm_up() -> None:
    """Compile the statements now (tens of milliseconds), not on the first group."""
    _compiled(_group_statement)
    _compiled(_params_statement)


ClaimResult = tuple[Claimed, bool, BatchState]


def run_group(conn: psycopg.Connection, claims: Sequence[int], endings: Sequence[Ending], *,
              now: datetime, worker: str, lease: timedelta, max_attempts: int,
              ahead: frozenset[int] = frozenset(),
              ) -> tuple[list[ClaimResult | None], list[Persisted | None]]:
    """Claim `claims` (queued -> running, or an expired lease taken over) and persist
    `endings` (running -> done | failed | cancelled | queued, fenced by the attempt), in
    one statement.

    One result per claim, in order: the claimed item, whether it came from `queued` and
    its batch after the statement; None where the message must be skipped. One result
    per ending: its batch after the statement and, for the first ending of each batch,
    the items released; None where the fence refused it. An id given twice counts once.
    Claims of ids in `ahead` take only items never tried before.
    """
    unique: dict[int, Ending] = {}
    for ending in endings:
        unique.setdefault(ending.item_id, ending)
    # Sorted: concurrent groups lock the items they share in the same order.
    ordered = sorted(unique.values(), key=lambda e: e.item_id)
    fields = {
        "e_item_id": [e.item_id for e in ordered], "e_attempts": [e.attempts for e in ordered],
        "e_status": [e.outcome.status.value for e in ordered],
        "e_error": [e.outcome.error for e in ordered],
        "e_result": [e.outcome.result for e in ordered],
        "e_score": [e.outcome.score for e in ordered],
        "e_refund": [int(e.outcome.refund) for e in ordered],
        "e_expired_only": [e.expired_only for e in ordered],
        "e_retryable": [e.outcome.retryable for e in ordered],
        "e_outcome": [e.outcome.attempt_outcome.value for e in ordered],
        "e_detail": [e.outcome.detail for e in ordered],
    }
    claim_ids = sorted(set(claims))
    rows = _compiled(_group_statement).run(conn, {
        "item_ids": claim_ids, "ahead": [i in ahead for i in claim_ids], **fields, "now": now,
        "p_lease_expires_at": now + lease, "p_worker": worker,
        "max_attempts": max_attempts, **counter_params(now),
    })
    claimed = {row["id"]: row for row in rows if row["row"] == "claim"}
    params = _params_of(conn, {row["batch_id"] for row in claimed.values()}) if claimed else {}
    claim_results: list[ClaimResult | None] = []
    # The claims of one batch in a group carry the same state: built once (it is frozen).
    states: dict[Any, BatchState] = {}
    for item_id in claims:
        row = claimed.pop(item_id, None)
        if row is None:
            claim_results.append(None)
            continue
        item = Claimed(*(row[c.name] for c in _ITEM_RETURNING))
        key = (item.batch_id, row["counted"])
        state = states.get(key)
        if state is None:
            state = states[key] = BatchState(
                **{c.name: row[f"b_{c.name}"] for c in _STATE_COLUMNS},
                params=params[item.batch_id])
        claim_results.append((item, row["counted"], state))
    ended: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["row"] == "batch":
            for item_id in row["ended_ids"]:
                ended[item_id] = row
    ending_results: list[Persisted | None] = []
    announced: set[uuid.UUID] = set()
    for ending in endings:
        row = ended.pop(ending.item_id, None)
        if row is None:
            ending_results.append(None)
            continue
        state = states.get(row["b_id"])
        if state is None:  # one row per batch whose items ended
            state = states[row["b_id"]] = BatchState(
                **{c.name: row[f"b_{c.name}"] for c in _STATE_COLUMNS}, params={})
        first = state.id not in announced
        announced.add(state.id)
        ending_results.append(Persisted(
            state, sorted(row["released_ids"] or []) if first else [], first))
    return claim_results, ending_results
