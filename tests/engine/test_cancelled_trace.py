"""A cancelled batch keeps the trace of its cancellation (issue 28: a cancelled 400-file
batch whose 4 failed files were retried turned green "Finished", its cancellation gone).

Given a batch with files screened, files failed and files a cancellation left unscreened:
retrying only its failed files ends it `cancelled` again, `cancelled_at` kept; retrying
with its cancelled files ends it `done`, `cancelled_at` cleared. Both databases.
"""

from __future__ import annotations

from datetime import timedelta

from app.db import get_engine
from app.engine import batches, counters, processing, transitions
from app.models import ItemStatus, utcnow
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    load,
    make_user,
    submit_noop,
    wait_finished,
)


def end_as_a_worker_would(batch_id, item_id: int, status: ItemStatus) -> None:
    with get_engine().begin() as conn:
        claimed, _ = transitions.claim(conn, item_id, "w", utcnow(), timedelta(minutes=1), 3)
        counters.move_counters(conn, batch_id, {ItemStatus.queued: -1, ItemStatus.running: 1},
                               utcnow())
    outcome = (processing.Outcome(ItemStatus.done, result={"ok": True})
               if status == ItemStatus.done else
               processing.Outcome(ItemStatus.failed, error="A temporary problem."))
    processing.after_persist(processing.persist_outcome(item_id, claimed.attempts, outcome))


def cancelled_midway(user, n: int = 10, done: int = 3, failed: int = 2):
    """A batch of `n` files: `done` screened, `failed` failed, the rest cancelled."""
    batch = submit_noop(user, n, dispatch=False)
    batches.dispatch_batch(batch.id)
    queued = [i for i in items(batch.id) if i.status == "queued"]
    assert len(queued) == n
    for i, item in enumerate(queued[:done + failed]):
        end_as_a_worker_would(batch.id, item.id,
                              ItemStatus.done if i < done else ItemStatus.failed)
    cancelled = batches.cancel(user, batch.id)
    assert cancelled.status == "cancelled"
    assert (cancelled.n_done, cancelled.n_failed, cancelled.n_cancelled) == (
        done, failed, n - done - failed)
    return cancelled


def test_retrying_the_failed_files_of_a_cancelled_batch_ends_it_cancelled_again(stack):
    user = make_user()
    batch = cancelled_midway(user)
    cancelled_at = batch.cancelled_at
    assert cancelled_at is not None

    assert batches.retry(user, batch.id) == 2
    running = load(batch.id)
    assert running.status == "running" and running.cancelled_at == cancelled_at
    with stack.worker(threads=2):
        again = wait_finished(batch.id)
    assert (again.status, again.n_done, again.n_failed, again.n_cancelled) == (
        "cancelled", 5, 0, 5)
    assert again.cancelled_at == cancelled_at
    assert assert_counters_match_items(batch.id) == {
        "pending": 0, "queued": 0, "running": 0, "done": 5, "failed": 0, "cancelled": 5}

    # Then with its cancelled files: every file screened, no longer cancelled
    assert batches.retry(user, batch.id, include_cancelled=True) == 5
    assert load(batch.id).cancelled_at is None
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
    assert (done.status, done.n_done, done.n_cancelled, done.cancelled_at) == (
        "done", 10, 0, None)


def test_retrying_failed_and_cancelled_files_together_ends_it_done(stack):
    user = make_user()
    batch = cancelled_midway(user)
    assert batches.retry(user, batch.id, include_cancelled=True) == 7
    assert load(batch.id).cancelled_at is None
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
    assert (done.status, done.n_done, done.n_failed, done.n_cancelled, done.cancelled_at) == (
        "done", 10, 0, 0, None)


def test_one_cancelled_file_tried_again_keeps_the_trace_while_others_remain(stack):
    user = make_user()
    batch = cancelled_midway(user, n=7, done=1, failed=0)
    cancelled = [i for i in items(batch.id) if i.status == "cancelled"]
    assert batches.retry_item(user, cancelled[0].id) == 1
    assert load(batch.id).cancelled_at == batch.cancelled_at
    with stack.worker(threads=2):
        again = wait_finished(batch.id)
    assert (again.status, again.n_done, again.n_cancelled) == ("cancelled", 2, 5)


def test_a_batch_never_cancelled_that_had_failures_ends_done(stack):
    user = make_user()
    batch = submit_noop(user, 4, dispatch=False)
    batches.dispatch_batch(batch.id)
    for i, item in enumerate(items(batch.id)):
        end_as_a_worker_would(batch.id, item.id, ItemStatus.failed if i == 0 else ItemStatus.done)
    assert load(batch.id).status == "done"
    assert batches.retry(user, batch.id) == 1
    with stack.worker(threads=2):
        again = wait_finished(batch.id)
    assert (again.status, again.n_done, again.cancelled_at) == ("done", 4, None)
