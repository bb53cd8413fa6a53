"""The worker's path for one item: claim, run the kind's handler, decide, persist, release.

Delivery is at least once, so every step is guarded: a message whose item is not claimable
(done, cancelled, held by a live lease) is skipped, and persisting an outcome is fenced by
the attempt number, so a duplicate or late message never counts an item twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dramatiq.middleware import Interrupt, TimeLimitExceeded
from sqlalchemy import select

from app.db import DedicatedConnection, get_engine, reading_connection
from app.engine import counters, dispatch, events, hotpath, readings, transitions
from app.engine.counters import Persisted
from app.engine.hotpath import ClaimResult
from app.engine.kinds import ItemWork, get_kind, load_builtin
from app.engine.outcome import Cancelled, Ending, Outcome, RetryItem, decide, handed_back
from app.engine.writebehind import WriteBehind
from app.errors import ShortlistError, TransientError
from app.models import ITEM_TERMINAL, Document, ItemStatus, utcnow
from app.settings import get_settings

log = logging.getLogger("shortlist.processing")
document_t = Document.__table__
batch_t = transitions.batch_t


def worker_id() -> str:
    # Computed per call: a forked worker process has its own pid.
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Claim:
    item_id: int
    ahead: bool = False  # made at fetch: takes only an item never tried before


@dataclass(frozen=True)
class _End:
    ending: Ending
    now: datetime | None = None


def _run_group(requests: Sequence[_Claim | _End]) -> list[ClaimResult | Persisted | None]:
    """Claims and endings of this process's threads: one statement on PostgreSQL, one
    transaction on SQLite. One result per request, in order."""
    settings = get_settings()
    lease = timedelta(seconds=settings.lease_s)
    claims = [r.item_id for r in requests if isinstance(r, _Claim)]
    # An id claimed both ahead and by its thread (a duplicate message) claims as the thread.
    ahead = frozenset(r.item_id for r in requests if isinstance(r, _Claim) and r.ahead) - {
        r.item_id for r in requests if isinstance(r, _Claim) and not r.ahead}
    ends = [r for r in requests if isinstance(r, _End)]
    now = max((r.now for r in ends if r.now is not None), default=None) or utcnow()
    if get_engine().dialect.name == "postgresql":
        claimed, ended = _connection.run(lambda conn: hotpath.run_group(
            conn, claims, [r.ending for r in ends], now=now, worker=worker_id(),
            lease=lease, max_attempts=settings.max_attempts, ahead=ahead))
    else:
        with get_engine().begin() as conn:
            claimed = [_claim_one(conn, item_id, now, lease, settings.max_attempts,
                                  item_id in ahead) for item_id in claims]
            ended = [_finish_one(conn, r.ending, now) for r in ends]
    claimed_iter, ended_iter = iter(claimed), iter(ended)
    return [next(claimed_iter) if isinstance(r, _Claim) else next(ended_iter)
            for r in requests]


def _claim_one(conn, item_id: int, now: datetime, lease: timedelta,
               max_attempts: int, ahead: bool = False) -> ClaimResult | None:
    claimed = transitions.claim(conn, item_id, worker_id(), now, lease, max_attempts,
                                first_attempt_only=ahead)
    if claimed is None:
        return None
    item, from_queued = claimed
    if from_queued:
        state = counters.move_counters(
            conn, item.batch_id, {ItemStatus.queued: -1, ItemStatus.running: 1}, now)
    else:
        state = counters.read_state(conn, item.batch_id)
    return item, from_queued, state


def _finish_one(conn, ending: Ending, now: datetime) -> Persisted | None:
    outcome = ending.outcome
    batch_id = transitions.end_attempt(
        conn, ending.item_id, ending.attempts, outcome.status, now, error=outcome.error,
        result=outcome.result, score=outcome.score, expired_only=ending.expired_only,
        refund=outcome.refund, retryable=outcome.retryable,
        outcome=outcome.attempt_outcome, detail=outcome.detail,
    )
    if batch_id is None:
        return None
    released: list[int] = []
    if outcome.status in ITEM_TERMINAL:
        # Fairness: each item that ends lets the next one of its batch into the broker,
        # as far as its share of its owner's window allows (as the group statement).
        window, in_flight = conn.execute(
            select(batch_t.c.dispatch_window, batch_t.c.n_queued + batch_t.c.n_running)
            .where(batch_t.c.id == batch_id)).one()
        released = transitions.queue_pending(conn, batch_id, 1 + window - in_flight, now)
    deltas = {ItemStatus.running: -1, outcome.status: 1, ItemStatus.pending: -len(released)}
    deltas[ItemStatus.queued] = deltas.get(ItemStatus.queued, 0) + len(released)
    return Persisted(counters.move_counters(conn, batch_id, deltas, now), released)


def _complete(persisted) -> None:
    """What the flusher does after persisting an ending nobody waits for: its released
    items go to the sender thread, so the next group's statement does not wait on Redis."""
    if persisted is not None:
        after_persist(persisted, send=_sends.submit)


@dataclass(frozen=True)
class _Send:
    batch_id: uuid.UUID
    lane: str
    item_ids: list[int]


def _send_group(requests: Sequence[_Send]) -> list[int]:
    """Released items of many groups, one pipeline per lane; the items of a send that
    fails go back to pending (as dispatch.send_or_unqueue)."""
    refused: set[str] = set()
    for lane in {r.lane for r in requests}:
        of_lane = [r for r in requests if r.lane == lane]
        try:
            dispatch.send_items(lane, [i for r in of_lane for i in r.item_ids])
        except Exception as exc:  # noqa: BLE001  (redis down, connection reset, ...)
            refused.add(lane)
            for r in of_lane:
                dispatch.unqueue(r.batch_id, r.item_ids, exc)
    return [0 if r.lane in refused else len(r.item_ids) for r in requests]


# One statement stream per process (app.engine.writebehind): its flusher thread runs a group at
# a time on this connection, so a batch row sees one locker per process.
_connection = DedicatedConnection()
# A group statement costs PostgreSQL and the flusher nearly the same for 5 requests as
# for 20: waiting 2 ms before each group made them 2-3 times larger on the bench and cut
# the database's CPU per item by a third (claims are asked for ahead, endings nobody
# waits for, so the wait is rarely anyone's).
GROUP_LINGER_S = 0.002
_statements: WriteBehind[_Claim | _End, ClaimResult | Persisted | None] = WriteBehind(
    _run_group, _complete, name="item-statements", linger_s=GROUP_LINGER_S)
# Sending what the statements released took a third of the flusher's time on the bench
# (a Redis round trip per group, during which no claim moved): a thread of its own sends
# it, whatever several groups released in one pipeline.
_sends: WriteBehind[_Send, int] = WriteBehind(_send_group, lambda sent: None,
                                             name="item-sends")


def warm_up() -> None:
    """What a worker process does once at boot, not on its first item: load the kinds'
    code and compile the group statement."""
    load_builtin()
    if get_engine().dialect.name == "postgresql":
        hotpath.warm_up()


def flush_endings(timeout_s: float = 30.0) -> bool:
    """Wait until this process's queued endings are persisted and what they released is
    sent (shutdown, tests)."""
    deadline = time.monotonic() + timeout_s
    persisted = _statements.flush(timeout_s)
    return _sends.flush(max(0.0, deadline - time.monotonic())) and persisted


def persist_outcome(item_id: int, attempts: int, outcome: Outcome, *,
                    expired_only: bool = False, now: datetime | None = None) -> Persisted | None:
    """Apply an attempt's outcome, move the counters, release the batch's next item.

    Atomic, and shared with the other threads of this process that persist at the same
    moment. Returns None when the fence refused it (another attempt owns the item now,
    or it already ended).
    """
    return _statements.call(_End(Ending(item_id, attempts, outcome, expired_only), now))


def claim(item_id: int) -> ClaimResult | None:
    """queued -> running (or an expired lease taken over), counters moved; atomic. Takes
    the claim made ahead when the item's message was fetched, if there is one."""
    with _ahead_lock:
        ahead = _ahead.pop(item_id, None)
    if ahead is None:
        return _statements.call(_Claim(item_id))
    future, since = ahead
    claimed = future.result()
    if claimed is None:
        # Not claimable, or tried before: claimed ahead, an item the worker was killed
        # holding would spend an attempt while it waited unstarted (claim_ahead).
        return _statements.call(_Claim(item_id))
    if time.monotonic() - since > get_settings().lease_margin_s / 2:
        # It waited in this worker's memory long enough for its lease to run short.
        item = claimed[0]
        with get_engine().begin() as conn:
            if not transitions.renew_lease(conn, item.item_id, item.attempts, utcnow(),
                                           timedelta(seconds=get_settings().lease_s)):
                return None  # the lease expired and another worker took the item over
    return claimed


# Claims made when a message is fetched, by item id, with when they were asked for.
_ahead: dict[int, tuple[Future, float]] = {}
_ahead_lock = threading.Lock()


def claim_ahead(item_id: int) -> None:
    """Start claiming an item as soon as its message is fetched.

    A worker thread used to wait for its item's claim (about two flusher cycles, most of
    an item's time on the bench) after taking the message. Asked for at fetch, the claim
    is in the statement groups while the message waits in the worker's memory, and the
    thread usually finds it done. The item shows as running from then on: a worker holds
    at most its prefetch of them. Its lease is renewed if it waited long (claim).

    Only an item's first attempt is claimed ahead. A worker killed outright (a poison
    file, the OOM killer) leaves the items it claimed ahead to the lease sweep, which
    counts an attempt for each as it does for the items it was running; retried, the
    same items met the same poison file in the same worker again, and an innocent one
    failed after three crashes it never ran in. Once tried, an item is claimed by the
    thread that starts it.
    """
    with _ahead_lock:
        if item_id in _ahead:
            return  # a duplicate message: its thread claims for itself, and skips
        _ahead[item_id] = (_statements.call_soon(_Claim(item_id, ahead=True)),
                           time.monotonic())


def release_unstarted(item_ids: Iterable[int]) -> int:
    """Hand back items claimed ahead that no thread started (a stopping worker requeues
    their messages; a middleware skipped them): queued again, without spending an
    attempt. Returns how many were handed back."""
    with _ahead_lock:
        taken = [_ahead.pop(i) for i in item_ids if i in _ahead]
    handed = 0
    for future, _ in taken:
        try:
            claimed = future.result()
        except Exception:  # noqa: BLE001  (the claim failed: nothing was claimed)
            continue
        if claimed is None:
            continue
        item = claimed[0]
        persisted = persist_outcome(item.item_id, item.attempts, handed_back())
        if persisted is not None:
            after_persist(persisted)
            handed += 1
    return handed


def after_persist(persisted: Persisted, send: Callable[[_Send], object] | None = None) -> None:
    """Outside the transaction: send what was released (through `send` if given, else at
    once), publish, finalize a finished batch."""
    state = persisted.state
    if persisted.released:
        if send is None:
            dispatch.send_or_unqueue(state.id, state.lane, persisted.released)
        else:
            send(_Send(state.id, state.lane, persisted.released))
    if not persisted.first:
        return  # another ending of its group announces this batch
    events.publish(state.event())
    if state.finished and state.unfinished == 0:
        try:
            dispatch.send_finalize(state.id, state.lane)
        except Exception as exc:  # noqa: BLE001  (the sweep finalizes it later)
            log.warning("could not send finalize for batch %s: %s", state.id, exc)


def _load_document(document_id: int | None, batch_id: uuid.UUID) -> bytes:
    """The item's file, read with its batch's status in one query: a batch that stopped
    running since the claim (cancelled) raises Cancelled, as a checkpoint would."""
    if document_id is None:
        raise TransientError("This item has no file attached.")
    with reading_connection() as conn:
        status = select(batch_t.c.status).where(batch_t.c.id == batch_id).scalar_subquery()
        row = conn.execute(
            select(document_t.c.content, status.label("status"))
            .where(document_t.c.id == document_id)
        ).one_or_none()
    if row is None:
        raise TransientError("The file of this item is missing.")
    if row.status not in transitions.BATCH_RUNNABLE:
        raise Cancelled()
    return row.content


def _load_reading(document_id: int | None, batch_id: uuid.UUID,
                  version: str) -> tuple[dict[str, Any], datetime] | None:
    kept = readings.load(document_id, batch_id, version)
    return (kept.data, kept.read_at) if kept else None


def _batch_runs(batch_id: uuid.UUID) -> bool:
    """The batch is queued or running: not being cancelled, not ended."""
    with get_engine().connect() as conn:
        status = conn.execute(select(batch_t.c.status).where(batch_t.c.id == batch_id)).scalar()
    return status in transitions.BATCH_RUNNABLE


def _checkpoint(batch_id: uuid.UUID) -> None:
    if not _batch_runs(batch_id):
        raise Cancelled()


def process_item(item_id: int, *, write_behind: bool = False) -> str:
    """Run one delivery of an item's message. Returns what happened (for logs and tests).

    Raises RetryItem after putting the item back to `queued`, so that Dramatiq's Retries
    middleware sends it again after its backoff. With `write_behind` (the actors), an item
    that ended for good is queued for the flusher and this returns at once (see
    app.engine.writebehind); otherwise its end is persisted before this returns.
    """
    settings = get_settings()
    claimed = claim(item_id)
    if claimed is None:
        return "skipped"
    item, from_queued, state = claimed
    if from_queued and state.n_running == 1 and state.n_done + state.n_failed == 0:
        events.publish(state.event())  # the batch just started

    kind = get_kind(state.kind)
    work = ItemWork(
        item_id=item.item_id, batch_id=item.batch_id, seq=item.seq, name=item.name,
        attempt=item.attempts, params=state.params,
        load_document=lambda: _load_document(item.document_id, item.batch_id),
        checkpoint=lambda: _checkpoint(item.batch_id),
        load_reading=lambda version: _load_reading(item.document_id, item.batch_id, version),
        save_reading=lambda version, data: readings.save(item.document_id, version, data),
    )
    try:
        result = kind.handle(work)
    except TimeLimitExceeded:
        outcome = decide(TransientError(
            f"Processing took longer than {settings.item_time_limit_s} seconds."),
            item.attempts, settings.max_attempts)
    except Interrupt:
        # The worker is shutting down (SIGTERM): hand the item back, claimable at once,
        # without spending an attempt.
        outcome = handed_back()
    except Exception as exc:  # noqa: BLE001  (every failure becomes an outcome)
        if not isinstance(exc, Cancelled | ShortlistError):
            log.exception("item %s failed unexpectedly", item_id)
        outcome = decide(exc, item.attempts, settings.max_attempts)
    else:
        outcome = decide(None, item.attempts, settings.max_attempts,
                         result=result.result, score=result.score)

    if outcome.status == ItemStatus.queued and not _batch_runs(item.batch_id):
        # Not sent again into a batch being cancelled (a retry or a hand-back).
        outcome = decide(Cancelled(), item.attempts, settings.max_attempts)
    if write_behind and outcome.status in ITEM_TERMINAL:
        _statements.submit(_End(Ending(item.item_id, item.attempts, outcome), utcnow()))
        return outcome.status.value
    persisted = persist_outcome(item.item_id, item.attempts, outcome)
    if persisted is None:
        return "lost-lease"
    after_persist(persisted)
    if outcome.refund:
        # Send it again now, not after a backoff: another worker takes it at once.
        dispatch.send_or_unqueue(persisted.state.id, persisted.state.lane, [item.item_id])
        return "handed-back"
    if outcome.retry:
        raise RetryItem(outcome.error or "retry")
    return outcome.status.value
