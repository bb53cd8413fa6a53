"""Each housekeeping job: set up the situation, run the job, check the exact outcome."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.admin import stats
from app.db import get_engine
from app.engine import housekeeping, leases
from app.models import Batch, DailyStats, Document, Item, ItemAttempt, utcnow
from scheduler import runner
from scheduler.jobs import Job, jobs
from tests.engine.helpers import (
    assert_counters_match_items,
    count_rows,
    items,
    load,
    make_user,
    submit_noop,
    wait_finished,
)

batch_t, item_t, attempt_t = Batch.__table__, Item.__table__, ItemAttempt.__table__


def test_lease_sweep_job_requeues_an_expired_lease(stack):
    batch = submit_noop(make_user(), 1)
    item = items(batch.id)[0]
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.id == item.id).values(
            status="running", attempts=1, lease_expires_at=utcnow() - timedelta(seconds=5)))
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(
            n_queued=0, n_running=1))
    assert runner.run_once(stack.settings, "lease_sweep") is True
    assert items(batch.id)[0].status == "queued"
    assert_counters_match_items(batch.id)
    with stack.worker(threads=1):
        assert wait_finished(batch.id).n_done == 1


def test_lease_sweep_resends_exactly_the_lost_messages(stack):
    kept = submit_noop(make_user(), 2)
    lost = submit_noop(make_user(), 3, lane="low")
    stack.broker.flush("low")  # the low lane's messages are gone; the items still say queued
    with get_engine().begin() as conn:  # and every item has waited long enough
        conn.execute(update(item_t).values(queued_at=utcnow() - timedelta(hours=1)))
    assert leases.sweep().resent == 3
    assert leases.sweep().resent == 0  # their messages are there now
    with stack.worker(threads=2):
        assert wait_finished(lost.id).n_done == 3
        assert wait_finished(kept.id).n_done == 2


def test_a_just_released_item_is_given_time_to_be_sent(stack):
    batch = submit_noop(make_user(), 2)
    stack.broker.flush_all()
    assert leases.sweep().resent == 0  # queued a moment ago: its send may be under way
    assert load(batch.id).n_queued == 2


def test_top_up_dispatches_pending_items(stack_factory):
    stack = stack_factory(DISPATCH_WINDOW=4)
    batch = submit_noop(make_user(), 10, dispatch=False)
    assert load(batch.id).n_pending == 10
    from scheduler.jobs import top_up

    assert top_up() == {"sent": 4}
    assert top_up() == {"sent": 0}  # the window is full
    assert (load(batch.id).n_queued, load(batch.id).n_pending) == (4, 6)
    with stack.worker(threads=2):
        assert wait_finished(batch.id).n_done == 10


def test_batch_timeout_counts_running_time_from_the_first_start(stack_factory):
    stack_factory(BATCH_TIMEOUT_S=3600, BATCH_WAIT_TIMEOUT_S=3 * 3600)
    user = make_user()
    old = submit_noop(user, 150)
    young = submit_noop(user, 2)
    waiting = submit_noop(user, 3)  # created long ago, never started: it only waited
    first = items(old.id)[0]
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == old.id).values(
            created_at=utcnow() - timedelta(hours=2), started_at=utcnow() - timedelta(hours=2)))
        conn.execute(update(batch_t).where(batch_t.c.id == waiting.id).values(
            created_at=utcnow() - timedelta(hours=2)))
        conn.execute(update(item_t).where(item_t.c.id == first.id).values(
            status="running", attempts=1, lease_expires_at=utcnow() + timedelta(minutes=1)))
        conn.execute(update(batch_t).where(batch_t.c.id == old.id).values(
            n_queued=99, n_running=1))
    assert housekeeping.time_out_batches() == {"timed_out": 1, "items_cancelled": 150}
    timed_out = load(old.id)
    assert timed_out.status == "timed_out" and timed_out.finished_at is not None
    assert timed_out.error == "The screening took longer than its time limit (1 hour)."
    assert assert_counters_match_items(old.id)["cancelled"] == 150
    assert {i.error for i in items(old.id)} == {timed_out.error}
    assert load(young.id).status == "queued"
    assert load(waiting.id).status == "queued"
    assert housekeeping.time_out_batches() == {"timed_out": 0, "items_cancelled": 0}


def test_a_batch_that_never_starts_times_out_after_the_waiting_limit(stack_factory):
    stack_factory(BATCH_TIMEOUT_S=3600, BATCH_WAIT_TIMEOUT_S=3 * 3600)
    user = make_user()
    stale = submit_noop(user, 4)
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == stale.id).values(
            created_at=utcnow() - timedelta(hours=3, minutes=1)))
    assert housekeeping.time_out_batches() == {"timed_out": 1, "items_cancelled": 4}
    timed_out = load(stale.id)
    assert timed_out.status == "timed_out"
    assert timed_out.error == (
        "The screening waited 3 hours without starting: no worker took it (its lane may be"
        " paused). Submit it again or ask an admin.")
    assert assert_counters_match_items(stale.id)["cancelled"] == 4


@pytest.mark.parametrize(("status", "kept_days"), [("done", 7), ("failed", 30)])
def test_finished_batches_expire_after_their_retention(stack, status, kept_days):
    user = make_user()
    batch = submit_noop(user, 4, fail_rate=1.0 if status == "failed" else 0.0)
    with stack.worker(threads=2):
        finished = wait_finished(batch.id)
    assert finished.status == status
    assert finished.expires_at - finished.finished_at == timedelta(days=kept_days)


def test_cleanup_deletes_expired_batches_with_items_and_documents(stack, monkeypatch):
    from app.engine import events
    from app.engine.batches import NewItem, submit

    user = make_user()
    expired = submit(user, kind="noop", operator=True,
                     items=[NewItem(f"f{i}", b"x") for i in range(5)])
    kept = submit(user, kind="noop", operator=True, items=[NewItem("g", b"y")])
    with stack.worker(threads=2):
        wait_finished(expired.id)
        wait_finished(kept.id)
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == expired.id).values(
            expires_at=utcnow() - timedelta(minutes=1)))
    assert count_rows(Document) == 6
    sent: list[dict] = []
    monkeypatch.setattr(events, "publish_now", sent.append)
    assert housekeeping.purge_expired(chunk=2) == {"batches": 1, "items": 5, "documents": 5}
    assert count_rows(Batch) == 1 and count_rows(Item) == 1 and count_rows(Document) == 1
    assert load(kept.id).status == "done"
    # Its open pages are told (ui.live), once
    assert sent == [{"type": "deleted", "batch_id": str(expired.id), "owner_id": user.id}]
    assert housekeeping.purge_expired() == {"batches": 0, "items": 0, "documents": 0}
    assert len(sent) == 1


def test_statistics_roll_up(stack):
    user = make_user()
    batch = submit_noop(user, 20, fail_rate=0.25, lane="high")
    with stack.worker(threads=2):
        finished = wait_finished(batch.id)
    durations = []
    now = utcnow()
    with get_engine().begin() as conn:  # known processing times: 100, 200, ... ms
        for n, item in enumerate(i for i in items(batch.id) if i.status == "done"):
            conn.execute(update(attempt_t).where(attempt_t.c.item_id == item.id).values(
                started_at=now - timedelta(milliseconds=100 * (n + 1)), ended_at=now))
            durations.append(100.0 * (n + 1))
        # Moved after it ran: its day stays in the lane it ran in.
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(lane="low"))
    assert stats.roll_up(now=now) == {"rows": 2}  # low: its submitted items, nothing ended
    with get_engine().connect() as conn:
        rows = {r["lane"]: r for r in conn.execute(select(DailyStats.__table__)).mappings()}
    row = rows["high"]
    assert (row["day"], row["kind"], row["lane"]) == (now.date(), "noop", "high")
    assert (row["submitted"], row["done"], row["failed"]) == (0, finished.n_done,
                                                             finished.n_failed)
    assert (rows["low"]["submitted"], rows["low"]["done"], rows["low"]["failed"]) == (20, 0, 0)
    assert row["avg_ms"] == pytest.approx(sum(durations) / len(durations), rel=1e-3)
    assert row["p95_ms"] == pytest.approx(stats.percentile(durations, 0.95), rel=1e-3)
    assert stats.roll_up(now=now) == {"rows": 2}  # an upsert, not more rows
    assert count_rows(DailyStats) == 2


def test_percentile_matches_postgresql_percentile_cont():
    assert stats.percentile([], 0.95) is None
    assert stats.percentile([5.0], 0.95) == 5.0
    assert stats.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert stats.percentile(list(map(float, range(1, 101))), 0.95) == pytest.approx(95.05)


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(stack, caplog):
    def explode():
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="shortlist.scheduler")
    assert runner.run_logged(Job("explode", explode, 1)) is True
    assert runner.run_logged(Job("fine", lambda: {"n": 3}, 1)) is True
    assert runner.run_logged(Job("idle", lambda: {"n": 0, "m": 0}, 1)) is True
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("explode failed after")
    assert caplog.records[0].exc_info is not None
    assert messages[1].startswith("fine: n=3 (")
    assert len(messages) == 2  # an idle run is logged at DEBUG only


def test_every_job_has_its_interval_from_settings(stack_factory):
    stack = stack_factory(SWEEP_INTERVAL_S=7, STATS_INTERVAL_S=11)
    by_name = {job.name: job.interval_s for job in jobs(stack.settings)}
    assert by_name == {"lease_sweep": 7, "top_up": 10, "batch_timeout": 60, "cleanup": 3600,
                       "stats": 11, "notifications": 60}
    from app.engine.leader import Leadership

    scheduler = runner.build_scheduler(stack.settings, Leadership(stack.settings))
    for job in scheduler.get_jobs():
        assert (job.max_instances, job.coalesce) == (1, True)
        assert job.misfire_grace_time == by_name[job.id]


def test_a_finished_batch_retried_days_later_counts_its_time_from_the_retry(stack_factory):
    stack = stack_factory(BATCH_TIMEOUT_S=3600)
    user = make_user()
    batch = submit_noop(user, 4, fail_rate=1.0)
    with stack.worker(threads=2):
        assert wait_finished(batch.id).status == "failed"
    long_ago = utcnow() - timedelta(days=2)
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(
            created_at=long_ago, started_at=long_ago))
    from app.engine import batches

    assert batches.retry(user, batch.id) == 4
    retried = load(batch.id)
    assert retried.status == "running" and retried.started_at > long_ago + timedelta(days=1)
    assert housekeeping.time_out_batches() == {"timed_out": 0, "items_cancelled": 0}
