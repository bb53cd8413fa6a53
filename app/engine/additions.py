"""More resumes for an existing screening, running or finished.

The new items are written as a new batch's are (app.engine.item_rows), numbered after the
batch's last one, in the transaction that locks the batch row and raises its total and
pending count; a finished batch opens again (as a retry does: its summary and reports are
rebuilt when it finishes) and the new items are dispatched. A cancelled batch is refused:
its owner chose to stop it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.audit import record_admin_action
from app.accounts.permissions import check_act, is_admin
from app.db import get_engine
from app.engine import batches, counters, fairshare
from app.engine.item_rows import NewItem, checked_names, insert_items
from app.engine.kinds import get_kind
from app.errors import Conflict, InvalidInput, PermissionDenied, QuotaExceeded
from app.models import BATCH_FINISHED, Batch, BatchStatus, ItemStatus, User, utcnow

batch_t = Batch.__table__
STOPPED = (BatchStatus.cancelling.value, BatchStatus.cancelled.value)


def _quota(owner_id: int) -> int:
    with Session(get_engine()) as session:
        owner = session.get(User, owner_id)
    return batches.quota_of(owner)


def add_items(user: User, batch_id: uuid.UUID | str, items: Sequence[NewItem]) -> Batch:
    """Add `items` to the batch (the owner or an admin); returns the batch as it is now.
    Within the owner's plan quota for one batch, counting the items it already has."""
    batch = check_act(user, batches.get_batch(user, batch_id))
    spec = get_kind(batch.kind)
    if spec.operator_only and not is_admin(user):
        raise PermissionDenied(f"Batches of kind {batch.kind} are for admins only.")
    if not items:
        raise InvalidInput("No files were added. Add at least one resume.")
    names = checked_names(spec, items)
    quota, now, n = _quota(batch.owner_id), utcnow(), len(items)
    with get_engine().begin() as conn:
        # The row locked first: a worker finishing the batch's last item waits, then sees
        # the new pending items, so the batch is never finalized without them.
        row = conn.execute(select(batch_t.c.total, batch_t.c.status, batch_t.c.n_done,
                                  batch_t.c.n_failed, batch_t.c.n_running,
                                  batch_t.c.owner_id, batch_t.c.lane)
                           .where(batch_t.c.id == batch.id).with_for_update()).one()
        if row.status in STOPPED:
            raise Conflict("This screening was cancelled: start a new screening for these"
                           " resumes, or screen it again for another opening.")
        if row.total + n > quota:
            raise QuotaExceeded(
                f"The plan allows up to {quota} resumes per screening; this one has"
                f" {row.total} and {n} more would make {row.total + n}.")
        insert_items(conn, batch.id, row.total, items, names, now)
        finished = row.status in [s.value for s in BATCH_FINISHED]
        started = row.n_done + row.n_failed + row.n_running > 0
        reopened = {"finished_at": None, "expires_at": None, "error": None,
                    "summary": None, **batches.reopened_clock(row, now)} if finished else {}
        counters.move_counters(
            conn, batch.id, {ItemStatus.pending: n}, now, reopen=finished,
            set_status=(BatchStatus.running if started else BatchStatus.queued)
            if finished else None,
            extra={"total": row.total + n, **reopened})
        if finished:  # active again: its share of its owner's window in the lane
            fairshare.rebalance(conn, owner_id=row.owner_id, lane=row.lane)
        with Session(bind=conn) as session:
            record_admin_action(session, user, "add_items", batch.id, items=n)
            session.commit()
    batches.dispatch_batch(batch.id)
    batches.publish(batch.id)
    return batches.get_batch(user, batch.id)
