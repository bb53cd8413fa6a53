"""The batch service: submit, dispatch, cancel, retry, move, read. The one home of these rules.

The UI, the API, the CLI and the actors call these functions; each checks permission
first (app.accounts.permissions), changes state only through app.engine.transitions, records admin
actions in the audit log in the same transaction, and publishes an event afterwards.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.audit import record_action, record_admin_action
from app.accounts.permissions import check_act, check_active, check_admin_action, check_read, is_admin
from app.db import get_engine
from app.engine import counters, events, fairshare, lanes, pool, transitions
from app.engine.counters import Persisted
from app.engine.dispatch import send_or_unqueue
from app.engine.documents import delete_unused
from app.engine.item_rows import NewItem, checked_names, insert_items
from app.engine.kinds import get_kind
from app.engine.processing import after_persist
from app.engine.waiting import Waiting, waiting_of
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied, QuotaExceeded
from app.models import (
    BATCH_FINISHED,
    Batch,
    BatchStatus,
    Document,
    Item,
    ItemStatus,
    User,
    utcnow,
)
from app.notify import webhooks
from app.settings import LANES, PLAN_LANE, get_settings

item_t = Item.__table__
batch_t = Batch.__table__
document_t = Document.__table__
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NOT_RETRYABLE = ("None of the failed files can succeed if tried again: each is damaged,"
                 " protected by a password, of a type we cannot read, or has no readable"
                 " text.")


def parse_batch_id(batch_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return batch_id if isinstance(batch_id, uuid.UUID) else uuid.UUID(str(batch_id))
    except ValueError:
        raise NotFound("We could not find that screening.") from None


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def quota_of(user: User) -> int:
    """Most files one screening of this user may hold: their own limit, else their plan's."""
    return user.max_items_per_batch or get_settings().quota_for(user.plan)


def _choose_lane(user: User, lane: str | None) -> str:
    plan_lane = PLAN_LANE.get(user.plan, "low")
    if lane is None:
        return plan_lane
    if lane not in LANES:
        raise InvalidInput(f"Unknown lane {lane!r}: use one of {', '.join(LANES)}.")
    # A recruiter may go slower than their plan, never faster; an admin anywhere.
    if not is_admin(user) and LANES.index(lane) < LANES.index(plan_lane):
        raise PermissionDenied(f"Your plan uses the {plan_lane} lane; {lane} is not included.")
    return lane


def submit(
    user: User,
    *,
    kind: str,
    items: Sequence[NewItem],
    title: str = "",
    params: dict[str, Any] | None = None,
    lane: str | None = None,
    idempotency_key: str | None = None,
    dispatch: bool = True,
    operator: bool = False,
    callback_url: str | None = None,
) -> Batch:
    """Create a batch with its items and documents in one transaction, then dispatch.

    Everything is validated before anything is written: a refused submission leaves no
    trace. With an `idempotency_key` already used by this user, the earlier batch is
    returned instead of creating a second one. `operator` is for the command line (run
    by whoever operates the deployment): only it may submit an operator kind (noop) on a
    recruiter's behalf; the API and the UI leave it False.
    """
    check_active(user)
    if user.role == "readonly_admin":
        raise PermissionDenied("Your account can view everything but change nothing.")
    spec = get_kind(kind)
    if spec.operator_only and not (operator or is_admin(user)):
        raise PermissionDenied(f"Batches of kind {kind} are for admins only.")
    params = spec.validate_params(dict(params or {}))
    lane = _choose_lane(user, lane)
    if not items:
        raise InvalidInput("This screening has no files. Add at least one resume.")
    quota = quota_of(user)
    if len(items) > quota:
        raise QuotaExceeded(
            f"Your plan allows up to {quota} resumes per screening; this one has {len(items)}."
        )
    names = checked_names(spec, items)
    if callback_url is not None:
        callback_url = webhooks.check_callback(user, callback_url)
    title = _CONTROL.sub(" ", title or str(params.get("title", ""))).strip()[:200]
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()[:200] or None
        if idempotency_key:
            earlier = _by_idempotency_key(user, idempotency_key)
            if earlier is not None:
                return earlier

    now = utcnow()
    batch_id = uuid.uuid4()
    try:
        _insert(user, spec.name, lane, title, params, items, names, idempotency_key,
                batch_id, now, callback_url)
    except IntegrityError:
        # Two requests raced with the same idempotency key: the other one created it.
        earlier = _by_idempotency_key(user, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    if dispatch:
        dispatch_batch(batch_id)
    publish(batch_id)
    return _load(batch_id)


def _insert(user: User, kind: str, lane: str, title: str, params: dict[str, Any],
            items: Sequence[NewItem], names: list[str], idempotency_key: str | None,
            batch_id: uuid.UUID, now, callback_url: str | None = None) -> None:
    """The batch, its documents and its items in one transaction, with bulk inserts."""
    with get_engine().begin() as conn:
        conn.execute(insert(batch_t).values(
            id=batch_id, owner_id=user.id, kind=kind, lane=lane,
            status=BatchStatus.queued.value, title=title, params=params, total=len(items),
            n_pending=len(items), n_queued=0, n_running=0, n_done=0, n_failed=0,
            n_cancelled=0, idempotency_key=idempotency_key, created_at=now,
            callback_url=callback_url,
        ))
        insert_items(conn, batch_id, 0, items, names, now)
        with Session(bind=conn) as session:
            record_admin_action(session, user, "submit", batch_id, items=len(items),
                                kind=kind, lane=lane)
            session.commit()
        # Its share of the owner's window in the lane; its siblings shrink.
        fairshare.rebalance(conn, owner_id=user.id, lane=lane)


def publish(batch_id: uuid.UUID) -> None:
    with get_engine().connect() as conn:
        state = counters.read_state(conn, batch_id)
    if state is not None:
        events.publish(state.event())


def _by_idempotency_key(user: User, key: str) -> Batch | None:
    with _session() as session:
        return session.scalars(
            select(Batch).where(Batch.owner_id == user.id, Batch.idempotency_key == key)
        ).first()


def _load(batch_id: uuid.UUID) -> Batch | None:
    with _session() as session:
        return session.get(Batch, batch_id)


def dispatch_batch(batch_id: uuid.UUID) -> int:
    """Top the batch up to its share of its owner's window in its lane (app.engine.
    fairshare): pending -> queued, then send. Returns how many sent."""
    now = utcnow()
    with get_engine().begin() as conn:
        state = counters.read_state(conn, batch_id)
        if state is None or state.status not in (BatchStatus.queued, BatchStatus.running):
            return 0
        if lanes.is_paused(conn, state.lane):
            return 0  # resumed later: resume_lane tops its batches up at once
        window = conn.execute(select(batch_t.c.dispatch_window)
                              .where(batch_t.c.id == batch_id)).scalar_one()
        room = window - state.n_queued - state.n_running
        ids = transitions.queue_pending(conn, batch_id, min(room, state.n_pending), now)
        if not ids:
            return 0
        state = counters.move_counters(
            conn, batch_id, {ItemStatus.pending: -len(ids), ItemStatus.queued: len(ids)}, now)
    return send_or_unqueue(batch_id, state.lane, ids)


def get_batch(user: User, batch_id: uuid.UUID | str) -> Batch:
    return check_read(user, _load(parse_batch_id(batch_id)))


def get_batch_waiting(user: User, batch_id: uuid.UUID | str) -> tuple[Batch, Waiting]:
    """The batch and, while it waits or runs, its place in line and estimates."""
    batch = get_batch(user, batch_id)
    with get_engine().connect() as conn:
        return batch, waiting_of(conn, batch.id)


def cancel(user: User, batch_id: uuid.UUID | str) -> Batch:
    """Pending and queued items are cancelled at once; running ones finish or stop at their
    next checkpoint; the batch shows `cancelling` until none run, then `cancelled`."""
    batch = check_act(user, _load(parse_batch_id(batch_id)))
    if batch.status in BATCH_FINISHED:
        raise Conflict("This screening has already finished; there is nothing to cancel.")
    if batch.status == BatchStatus.cancelling:
        raise Conflict("This screening is already being cancelled.")
    now = utcnow()
    with get_engine().begin() as conn:
        # Items first, then the batch row: the same lock order as a finishing worker.
        moved = transitions.cancel_items(conn, batch.id, now, "Cancelled before it started.")
        state = counters.move_counters(
            conn, batch.id,
            {ItemStatus.pending: -moved[ItemStatus.pending],
             ItemStatus.queued: -moved[ItemStatus.queued],
             ItemStatus.cancelled: moved[ItemStatus.pending] + moved[ItemStatus.queued]},
            now, set_status=BatchStatus.cancelling,
            extra={"cancelled_at": now},
        )
        with Session(bind=conn) as session:
            record_admin_action(session, user, "cancel", batch.id,
                                cancelled=sum(moved.values()))
            session.commit()
    after_persist(Persisted(state, []))
    return _load(batch.id)


def resume_lane(user: User, lane: str) -> int:
    """Release work to a paused `lane` again, at once: its active batches are topped up now
    rather than at the next top-up. Returns how many items were sent."""
    lanes.resume(user, lane)
    return sum(dispatch_batch(batch_id) for batch_id in active_batch_ids(lane=lane))


def retry(user: User, batch_id: uuid.UUID | str, *, include_cancelled: bool = False,
          item_ids: Sequence[int] | None = None) -> int:
    """Failed (and, if asked, cancelled) items go back to pending with fresh attempts and
    are dispatched. Returns how many items will be tried again."""
    batch = check_act(user, _load(parse_batch_id(batch_id)))
    if batch.status == BatchStatus.cancelling:
        raise Conflict("This screening is being cancelled; retry once it has stopped.")
    statuses = [ItemStatus.failed] + ([ItemStatus.cancelled] if include_cancelled else [])
    now = utcnow()
    with get_engine().begin() as conn:
        moved = transitions.reset_for_retry(conn, batch.id, statuses, item_ids)
        count = sum(moved.values())
        if count == 0:
            if batch.n_failed and not item_ids:
                raise Conflict(NOT_RETRYABLE)
            raise Conflict("There is nothing to retry in this screening.")
        deltas = {status: -n for status, n in moved.items()}
        deltas[ItemStatus.pending] = count
        started = batch.n_done + batch.n_failed + batch.n_running > 0
        # A cancelled batch keeps the trace of its cancellation while files it cancelled
        # remain (it ends `cancelled` again): only trying those again clears it.
        still_cancelled = batch.n_cancelled - moved.get(ItemStatus.cancelled, 0) > 0
        counters.move_counters(
            conn, batch.id, deltas, now, reopen=True,
            set_status=BatchStatus.running if started else BatchStatus.queued,
            # The summary and reports are rebuilt when the batch finishes again.
            extra={"finished_at": None, "expires_at": None, "error": None,
                   "cancelled_at": batch.cancelled_at if still_cancelled else None,
                   "summary": None, **reopened_clock(batch, now)},
        )
        # Active again: it takes its share of its owner's window in the lane.
        fairshare.rebalance(conn, owner_id=batch.owner_id, lane=batch.lane)
        with Session(bind=conn) as session:
            record_admin_action(session, user, "retry", batch.id, items=count,
                                include_cancelled=include_cancelled,
                                item_ids=list(item_ids) if item_ids else None)
            session.commit()
    dispatch_batch(batch.id)
    publish(batch.id)
    return count


def reopened_clock(batch, now) -> dict[str, Any]:
    """A finished batch that runs again (retried or added to) has its time limit counted
    from now, not from its first start days ago."""
    if batch.status not in {s.value for s in BATCH_FINISHED}:
        return {}
    return {"started_at": now if batch.n_done + batch.n_failed + batch.n_running else None}


def retry_item(user: User, item_id: int) -> int:
    with _session() as session:
        item = session.get(Item, item_id) if 1 <= item_id < 2**63 else None
    if item is None:
        raise NotFound("We could not find that file.")
    if item.status == ItemStatus.failed.value and not item.retryable:
        check_act(user, _load(item.batch_id))  # no hint about other users' files
        raise Conflict(f"{item.error} Trying it again would fail the same way.")
    try:
        return retry(user, item.batch_id, include_cancelled=True, item_ids=[item_id])
    except Conflict:
        raise Conflict("Only a file that failed or was cancelled can be tried again.") from None


def retryable_count(user: User, batch_id: uuid.UUID | str) -> int:
    """How many failed files of the batch trying again could fix (what retry would take)."""
    batch = check_read(user, _load(parse_batch_id(batch_id)))
    if not batch.n_failed:
        return 0
    with get_engine().connect() as conn:
        return transitions.count_retryable(conn, batch.id)


def move(user: User, batch_id: uuid.UUID | str, lane: str) -> Batch:
    """Later dispatches of the batch go to `lane`; messages already sent stay where they are."""
    check_admin_action(user, "move a screening to another lane")
    batch = check_act(user, _load(parse_batch_id(batch_id)))
    if lane not in LANES:
        raise InvalidInput(f"Unknown lane {lane!r}: use one of {', '.join(LANES)}.")
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(lane=lane))
        with Session(bind=conn) as session:
            record_admin_action(session, user, "move", batch.id, lane_from=batch.lane,
                                lane_to=lane)
            session.commit()
        # Its owner's shares in both lanes change.
        grown = fairshare.rebalance(conn, owner_id=batch.owner_id, lane=batch.lane)
        fairshare.rebalance(conn, owner_id=batch.owner_id, lane=lane)
    # Out of a paused lane, or into one that has room: release its window there now.
    for sibling in grown:
        dispatch_batch(sibling)
    dispatch_batch(batch.id)
    publish(batch.id)
    return _load(batch.id)


def status(batch_id: uuid.UUID | str) -> dict[str, Any]:
    """For operators: the batch's counters and, independently, its items counted by state."""
    batch_id = parse_batch_id(batch_id)
    with get_engine().connect() as conn:
        state = counters.read_state(conn, batch_id)
        if state is None:
            raise NotFound("There is no batch with that id.")
        item_states = transitions.count_items_by_status(conn, batch_id)
    return {
        "id": str(state.id), "status": state.status, "lane": state.lane, "kind": state.kind,
        "total": state.total, "counters": state.counters(), "item_states": item_states,
    }


def share_freed(owner_id: int, lane: str) -> int:
    """A batch of `owner_id` in `lane` ended: its siblings' shares grow and they are
    topped up now. Returns how many items were sent."""
    with get_engine().begin() as conn:
        grown = fairshare.rebalance(conn, owner_id=owner_id, lane=lane)
    return sum(dispatch_batch(batch_id) for batch_id in grown)


def top_up_all() -> int:
    """Safety net (the scheduler): every active batch gets its share and, with room in
    it, its next items. Returns how many were sent."""
    with get_engine().begin() as conn:
        fairshare.rebalance(conn)
    return sum(dispatch_batch(batch_id) for batch_id in active_batch_ids())


def active_batch_ids(lane: str | None = None) -> list[uuid.UUID]:
    """Batches that may still get items dispatched (of one lane, if given)."""
    conditions = [batch_t.c.status.in_([BatchStatus.queued.value, BatchStatus.running.value])]
    if lane is not None:
        conditions.append(batch_t.c.lane == lane)
    with get_engine().connect() as conn:
        return list(conn.execute(select(batch_t.c.id).where(*conditions)).scalars())


def delete(user: User, batch_id: uuid.UUID | str) -> None:
    """Its owner or an admin deletes a finished batch with its items, the documents no
    other batch uses and its reports (resumes are personal data: nothing stays behind).

    An active batch is refused: workers may hold its items. Everything goes in one
    transaction with the audit row (the row keeps the batch's id, title and owner); items
    first, then the batch row, the lock order of a finishing worker. The status is checked
    again by the final guarded delete, so a batch retried meanwhile is left alone.
    """
    batch = check_act(user, _load(parse_batch_id(batch_id)))
    if batch.status not in BATCH_FINISHED:
        raise Conflict("This screening is still running. Cancel it first, and delete it"
                       " once it has stopped.")
    finished = [s.value for s in BATCH_FINISHED]
    with get_engine().begin() as conn:
        documents = conn.execute(select(item_t.c.document_id).where(
            item_t.c.batch_id == batch.id, item_t.c.document_id.is_not(None))).scalars().all()
        reports = conn.execute(select(batch_t.c.report_csv_id, batch_t.c.report_xlsx_id)
                               .where(batch_t.c.id == batch.id)).first() or ()
        reports = [d for d in reports if d is not None]
        items = conn.execute(item_t.delete().where(item_t.c.batch_id == batch.id)).rowcount
        # Not the documents a re-screen's items still use.
        delete_unused(conn, documents)
        pool.forget_unlinked(conn, [batch.owner_id])  # people none of whose files is left
        if reports:
            conn.execute(document_t.delete().where(document_t.c.id.in_(reports)))
        gone = conn.execute(batch_t.delete().where(batch_t.c.id == batch.id,
                                                   batch_t.c.status.in_(finished))).rowcount
        if gone != 1:  # raising rolls the whole transaction back
            raise Conflict("This screening was started again meanwhile; it was not deleted.")
        with Session(bind=conn) as session:
            record_action(session, user, "delete", batch.id, title=batch.title,
                          owner_id=batch.owner_id, items=items, status=batch.status)
            session.commit()
    events.publish_deleted(batch.id, batch.owner_id)
