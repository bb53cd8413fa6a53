"""Audit finding 1 (engine side): nothing of a batch being cancelled starts again. A file
that kills its worker used to be re-queued by the lease sweep after its batch was
cancelled, and claimed again, killing the next worker: the sweep now cancels it, a claim
refuses items of a cancelling or ended batch, and a retry that races the cancel is not
sent again. Each test runs on SQLite and (integration) on PostgreSQL's group statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db import get_engine
from app.engine import batches, leases, processing
from app.engine.batches import dispatch_batch
from app.engine.kinds import KINDS, Kind
from app.errors import TransientError
from app.models import Batch, Item, utcnow
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    load,
    make_user,
    submit_noop,
)

item_t, batch_t = Item.__table__, Batch.__table__


def _set_batch_status(batch_id, status: str) -> None:
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(status=status))


def test_a_claim_refuses_an_item_of_a_cancelling_batch_and_the_sweep_settles_it(stack):
    # Given a queued item whose batch is being cancelled (a retry raced the cancel)
    batch = submit_noop(make_user(), 1, dispatch=False)
    dispatch_batch(batch.id)
    item_id = items(batch.id)[0].id
    _set_batch_status(batch.id, "cancelling")
    # When a worker receives its message, it does not claim it
    assert processing.claim(item_id) is None
    assert (items(batch.id)[0].status, items(batch.id)[0].attempts) == ("queued", 0)
    # And the sweep cancels the stranded item, so the batch settles as cancelled
    report = leases.sweep()
    assert (report.cancelled, report.requeued, report.resent) == (1, 0, 0)
    assert items(batch.id)[0].status == "cancelled"
    assert load(batch.id).status == "cancelled"
    assert assert_counters_match_items(batch.id)["cancelled"] == 1


@pytest.mark.parametrize("status", ["done", "cancelled", "timed_out"])
def test_a_claim_refuses_an_item_of_an_ended_batch(stack, status):
    batch = submit_noop(make_user(), 1, dispatch=False)
    dispatch_batch(batch.id)
    _set_batch_status(batch.id, status)
    assert processing.claim(items(batch.id)[0].id) is None
    assert items(batch.id)[0].status == "queued"


def test_an_expired_lease_in_a_cancelled_batch_is_cancelled_not_requeued(stack):
    # Given a running item (its worker died holding it) and the batch then cancelled
    owner = make_user()
    batch = submit_noop(owner, 2, dispatch=False)
    dispatch_batch(batch.id)
    running = items(batch.id)[0].id
    assert processing.claim(running) is not None
    batches.cancel(owner, batch.id)
    assert load(batch.id).status == "cancelling"
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.id == running)
                     .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    # When the lease sweep runs
    report = leases.sweep()
    # Then the item is cancelled, not sent to another worker
    assert (report.cancelled, report.requeued, report.failed, report.resent) == (1, 0, 0, 0)
    assert [(i.status, i.error) for i in items(batch.id)] == [
        ("cancelled", "Cancelled while it was being processed."),
        ("cancelled", "Cancelled before it started.")]
    assert load(batch.id).status == "cancelled"
    assert_counters_match_items(batch.id)


def test_a_retry_that_races_the_cancel_is_not_sent_again(stack, monkeypatch):
    # Given an item whose attempt fails with a temporary error after its batch was cancelled
    owner = make_user()
    batch = submit_noop(owner, 1, dispatch=False)

    def cancel_then_fail(work):
        batches.cancel(owner, work.batch_id)
        raise TransientError("The database was busy.")

    monkeypatch.setitem(KINDS, "noop", Kind(name="noop", handle=cancel_then_fail,
                                             validate_params=KINDS["noop"].validate_params))
    dispatch_batch(batch.id)
    # When it is processed, it ends cancelled instead of going back to the queue
    assert processing.process_item(items(batch.id)[0].id) == "cancelled"
    assert (items(batch.id)[0].status, load(batch.id).status) == ("cancelled", "cancelled")
    assert_counters_match_items(batch.id)
