"""The batch engine end to end with real worker threads: counts, retries, duplicates."""

from __future__ import annotations

import pytest

from app.engine import dispatch, processing
from app.engine.kinds.noop import fate
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    make_user,
    submit_noop,
    wait_finished,
)


def test_thousand_items_all_terminal_and_counted(stack):
    user = make_user()
    batch = submit_noop(user, 1000)
    assert batch.status == "queued" and batch.total == 1000
    assert (batch.n_queued, batch.n_pending) == (100, 900)  # the dispatch window
    with stack.worker(threads=8):
        done = wait_finished(batch.id, timeout=120)
    assert done.status == "done"
    assert assert_counters_match_items(batch.id) == {
        "pending": 0, "queued": 0, "running": 0, "done": 1000, "failed": 0, "cancelled": 0}
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert done.expires_at is not None
    assert all(i.attempts == 1 and i.status == "done" for i in items(batch.id))


def test_transient_failures_retry_and_permanent_ones_fail_at_once(stack_factory):
    stack = stack_factory(RETRY_MIN_BACKOFF_MS=10, RETRY_MAX_BACKOFF_MS=50)
    user = make_user()
    batch = submit_noop(user, 400, fail_rate=0.05, transient_rate=0.20)
    fates = [fate(seq, 0.05, 0.20) for seq in range(400)]
    expected_failed, expected_transient = fates.count("fail"), fates.count("transient")
    assert 10 <= expected_failed <= 30 and 60 <= expected_transient <= 100
    with stack.worker(threads=8):
        done = wait_finished(batch.id, timeout=120)
    counters = assert_counters_match_items(batch.id)
    assert counters["failed"] == expected_failed
    assert counters["done"] == 400 - expected_failed
    assert done.status == "done"  # failures are counted in a done batch
    for item in items(batch.id):
        if fates[item.seq] == "fail":
            assert (item.status, item.attempts) == ("failed", 1)
            assert item.error == "This item was chosen to fail (noop fail_rate)."
        elif fates[item.seq] == "transient":
            # The second attempt succeeded; the first one's error is cleared with it.
            assert (item.status, item.attempts, item.error) == ("done", 2, None)
        else:
            assert (item.status, item.attempts, item.error) == ("done", 1, None)


def test_all_failing_batch_is_failed(stack):
    batch = submit_noop(make_user(), 5, fail_rate=1.0)
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
    assert done.status == "failed"
    assert assert_counters_match_items(batch.id)["failed"] == 5


def test_duplicate_delivery_is_counted_once(stack, monkeypatch):
    outcomes: list[str] = []
    original = processing.process_item

    def spy(item_id: int, **options) -> str:
        outcome = original(item_id, **options)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(processing, "process_item", spy)
    batch = submit_noop(make_user(), 3)
    ids = [i.id for i in items(batch.id)]
    dispatch.send_items("critical", ids)  # every message a second time
    dispatch.send_items("critical", ids[:1])  # and the first a third time
    with stack.worker(threads=4):
        wait_finished(batch.id)
        stack.broker.join("critical", timeout=10_000)
    assert sorted(outcomes) == ["done"] * 3 + ["skipped"] * 4
    assert assert_counters_match_items(batch.id)["done"] == 3


def test_a_message_for_a_finished_item_is_skipped(stack):
    batch = submit_noop(make_user(), 1, dispatch=False)
    item_id = items(batch.id)[0].id
    from app.engine.batches import dispatch_batch

    dispatch_batch(batch.id)
    assert processing.process_item(item_id) == "done"
    assert processing.process_item(item_id) == "skipped"
    assert assert_counters_match_items(batch.id)["done"] == 1


@pytest.mark.parametrize("n", [1, 7])
def test_small_batches_finish_and_are_finalized(stack, n):
    batch = submit_noop(make_user(), n)
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
        from tests.conftest import wait_until
        from tests.engine.helpers import load

        finalized = wait_until(lambda: load(batch.id).summary, message="the summary")
    assert done.status == "done"
    assert finalized["total"] == n and finalized["counts"] == {"done": n}


def test_a_retried_item_waits_queued_with_its_error_kept(stack):
    from app.engine.outcome import RetryItem

    batch = submit_noop(make_user(), 1, transient_rate=1.0)
    item_id = items(batch.id)[0].id
    with pytest.raises(RetryItem):
        processing.process_item(item_id)
    item = items(batch.id)[0]
    assert (item.status, item.attempts) == ("queued", 1)
    assert item.error == "A simulated temporary failure (noop transient_rate)."
    assert assert_counters_match_items(batch.id)["queued"] == 1
    assert processing.process_item(item_id) == "done"
    assert assert_counters_match_items(batch.id)["done"] == 1


def test_an_item_out_of_attempts_fails_with_the_reason(stack_factory):
    stack_factory(MAX_ATTEMPTS=1)
    batch = submit_noop(make_user(), 1, transient_rate=1.0)
    assert processing.process_item(items(batch.id)[0].id) == "failed"
    item = items(batch.id)[0]
    assert item.error == ("A simulated temporary failure (noop transient_rate)."
                          " Gave up after 1 attempts.")
