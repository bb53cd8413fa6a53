"""Every item's history: one row per attempt, never rewritten (issue 28, part 3)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from app.db import get_engine
from app.engine import batches, items, transitions
from app.engine.kinds import KINDS, get_kind
from app.engine.outcome import failure_detail
from app.errors import Conflict, NotFound
from app.models import ItemAttempt, ItemStatus, utcnow
from tests.engine.helpers import count_rows, make_user, submit_noop, wait_finished
from tests.engine.helpers import items as items_of


def _history(item_id: int) -> list[tuple[int, str]]:
    return [(a.number, a.outcome) for a in items.history(item_id, with_detail=True)]


def test_each_attempt_is_a_row_and_a_retry_adds_rows_without_rewriting(stack):
    user = make_user()
    # Items fail for good, or fail once then pass, by position (noop's fate).
    batch = submit_noop(user, 8, fail_rate=0.25, transient_rate=0.25)
    with stack.worker(threads=2):
        wait_finished(batch.id)
        by_status: dict[str, list] = {}
        for item in items_of(batch.id):
            by_status.setdefault(item.status, []).append(item)
        histories = {item.id: _history(item.id) for item in items_of(batch.id)}
        failed = by_status["failed"]
        done_twice = [i for i in by_status["done"] if i.attempts == 2]
        done_once = [i for i in by_status["done"] if i.attempts == 1]
        assert failed and done_twice and done_once
        assert {histories[i.id] == [(1, "failed")] for i in failed} == {True}
        assert {histories[i.id] == [(1, "retrying"), (2, "done")] for i in done_twice} == {True}
        assert {histories[i.id] == [(1, "done")] for i in done_once} == {True}
        first = items.history(failed[0].id, with_detail=True)[0]
        assert first.worker and first.lane == batch.lane and first.duration_s >= 0

        assert batches.retry_item(user, failed[0].id) == 1
        wait_finished(batch.id)
    again = items.history(failed[0].id, with_detail=True)
    # The first failure keeps its minute; the retry is a row of its own.
    assert [(a.number, a.outcome) for a in again] == [(1, "failed"), (1, "failed")]
    assert again[0].ended_at == first.ended_at and again[1].ended_at >= first.ended_at
    assert count_rows(ItemAttempt) == sum(map(len, histories.values())) + 1


def test_an_unexpected_error_keeps_its_traceback_for_admins_only(stack, monkeypatch):
    def boom(work):
        raise RuntimeError("cannot reach postgresql://bob:hunter2@db/x password=secret123")

    monkeypatch.setitem(KINDS, "noop", dataclasses.replace(get_kind("noop"), handle=boom))
    owner, admin = make_user(), make_user(role="admin")
    batch = submit_noop(owner, 1)
    with stack.worker(threads=1):
        wait_finished(batch.id)
    item = items_of(batch.id)[0]
    seen = items.item_details(admin, item.id)
    assert [a.outcome for a in seen.attempts] == ["retrying", "retrying", "failed"]
    detail = seen.attempts[-1].detail
    assert "in boom" in detail and detail.splitlines()[0] == (
        "RuntimeError: cannot reach postgresql://***@db/x password=***")
    assert seen.attempts[-1].error == ("Something went wrong while processing this file."
                                       " Gave up after 3 attempts.")
    assert [a.detail for a in items.item_details(owner, item.id).attempts] == [None] * 3
    with pytest.raises(NotFound, match="We could not find that file."):
        items.item_details(make_user(), item.id)


def test_failure_detail_keeps_the_message_short():
    detail = failure_detail(ValueError("x" * 1000))
    assert detail.splitlines()[0] == "ValueError: " + "x" * 300 + "..."


def test_a_dismissed_failure_leaves_batch_retries_but_not_its_own(stack):
    owner = make_user()
    batch = submit_noop(owner, 8, fail_rate=0.5)
    with stack.worker(threads=2):
        wait_finished(batch.id)
        failed = [i for i in items_of(batch.id) if i.status == "failed"]
        assert len(failed) >= 2
        done = next(i for i in items_of(batch.id) if i.status == "done")
        with pytest.raises(Conflict, match="Only a file that failed can be dismissed."):
            items.dismiss(owner, done.id)
        with pytest.raises(NotFound):
            items.dismiss(make_user(), failed[0].id)
        assert items.dismiss(owner, failed[0].id).dismissed_at is not None
        assert batches.retryable_count(owner, batch.id) == len(failed) - 1
        assert batches.retry(owner, batch.id) == len(failed) - 1
        wait_finished(batch.id)
        assert items_of(batch.id)[failed[0].seq].dismissed_at is not None
        assert batches.retry_item(owner, failed[0].id) == 1
        wait_finished(batch.id)
    assert items_of(batch.id)[failed[0].seq].dismissed_at is None


def test_running_attempts_cut_short_by_a_time_out_are_recorded(stack):
    batch = submit_noop(make_user(), 2)
    first = items_of(batch.id)[0]
    now = utcnow()
    with get_engine().begin() as conn:
        transitions.queue_pending(conn, batch.id, 2, now)
        transitions.claim(conn, first.id, "w1", now, timedelta(seconds=60), 3)
        transitions.cancel_items(conn, batch.id, now, "Timed out.",
                                 (ItemStatus.queued, ItemStatus.running))
    [attempt] = items.history(first.id, with_detail=True)
    assert (attempt.number, attempt.outcome, attempt.worker, attempt.error) == (
        1, "cancelled", "w1", "Timed out.")
    assert items.history(items_of(batch.id)[1].id, with_detail=True) == []
