"""Delivery under trouble: fairness, priority, cancel mid-batch, lost messages, dead workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, update

from app.db import get_engine
from app.engine import batches, leases, processing
from app.models import Item, utcnow
from app.settings import LANES
from tests.chaos.fleet import children
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    load,
    make_user,
    submit_noop,
    wait_finished,
)

item_t = Item.__table__


@pytest.mark.slow
def test_a_small_batch_is_not_stuck_behind_a_big_one(stack):
    user = make_user()
    big = submit_noop(user, 2000, sleep_ms=2, lane="normal")
    with stack.worker(threads=1):
        wait_until(lambda: load(big.id).n_done >= 10, message="the big batch to start")
        small = submit_noop(user, 5, lane="normal")
        wait_finished(small.id, timeout=120)
        big_done = load(big.id).n_done
    print(f"\nbig batch done when the small one finished: {big_done} of 2000")
    assert big_done < 500


def test_critical_items_overtake_a_low_backlog(stack_factory):
    stack = stack_factory(DISPATCH_WINDOW=1000)
    admin = make_user(role="admin")
    backlog = submit_noop(admin, 300, sleep_ms=5, lane="low")
    urgent = submit_noop(admin, 60, sleep_ms=10, lane="critical")
    with stack.worker(threads=2):
        wait_finished(urgent.id, timeout=60)
        low_done = load(backlog.id).n_done
    print(f"\nlow items done when the critical batch finished: {low_done}")
    # Lanes share the threads by weight (critical 8, low 1): about 60 / 8 low items, and
    # never none (strict priority starved low); taking turns would have done about 60.
    assert 3 <= low_done <= 30


def test_cancel_mid_batch_starts_nothing_new(stack):
    user = make_user()
    batch = submit_noop(user, 200, sleep_ms=30)
    with stack.worker(threads=4):
        wait_until(lambda: load(batch.id).n_done >= 10, message="some items to finish")
        batches.cancel(user, batch.id)
        with get_engine().connect() as conn:
            allowed = set(conn.execute(select(item_t.c.id).where(
                item_t.c.batch_id == batch.id, item_t.c.status.in_(["running", "done"]))
            ).scalars())
        final = wait_finished(batch.id)
    done = {i.id for i in items(batch.id) if i.status == "done"}
    assert final.status == "cancelled"
    assert done <= allowed, f"started after cancel: {sorted(done - allowed)}"
    counters = assert_counters_match_items(batch.id)
    assert counters["done"] + counters["cancelled"] == 200


def test_lost_messages_after_a_redis_flush_are_resent(stack_factory):
    stack = stack_factory(DISPATCH_WINDOW=50, RESEND_QUEUED_AFTER_S=1)
    user = make_user()
    batch = submit_noop(user, 300, sleep_ms=2)
    with stack.worker(threads=4):
        wait_until(lambda: load(batch.id).n_done >= 20, message="some items to finish")
        # What a Redis restart without persistence does to this deployment's keys (not a
        # FLUSHALL: other test runs may share the server).
        client = stack.broker.client
        client.delete(*client.scan_iter(f"{stack.settings.redis_namespace}:*"))
        time.sleep(1.2)
        stuck = load(batch.id)
        assert stuck.n_queued > 0
        report = leases.sweep()
        assert report.resent > 0
        final = wait_finished(batch.id, timeout=120)
    assert final.status == "done"
    assert assert_counters_match_items(batch.id)["done"] == 300
    assert leases.sweep().resent == 0


def test_expired_leases_are_requeued_then_failed(stack_factory):
    stack_factory(MAX_ATTEMPTS=2)
    user = make_user()
    batch = submit_noop(user, 2)
    a, b = items(batch.id)
    from datetime import timedelta

    from app.engine import counters, transitions
    from app.models import ItemStatus

    def claim_and_expire(item_id):
        with get_engine().begin() as conn:
            transitions.claim(conn, item_id, "dead:1", utcnow(), timedelta(seconds=60), 2)
            counters.move_counters(conn, batch.id, {ItemStatus.queued: -1,
                                                       ItemStatus.running: 1}, utcnow())
            conn.execute(update(item_t).where(item_t.c.id == item_id).values(
                lease_expires_at=utcnow() - timedelta(seconds=1)))

    claim_and_expire(a.id)
    claim_and_expire(b.id)
    report = leases.sweep()
    assert (report.requeued, report.failed) == (2, 0)
    assert {i.status for i in items(batch.id)} == {"queued"}
    assert items(batch.id)[0].error.startswith("The worker stopped while processing this file")
    # The second death uses the last attempt: the item fails with a clear reason.
    assert processing.process_item(a.id) == "done"
    claim_and_expire(b.id)
    report = leases.sweep()
    assert (report.requeued, report.failed) == (0, 1)
    failed = items(batch.id)[1]
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.error == ("The worker stopped while processing this file, 2 times."
                            " The file may be too complex to process.")
    assert load(batch.id).status == "done"
    assert_counters_match_items(batch.id)


def _start_worker(env: dict, threads: int = 4) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "actors.worker", "--processes", "1",
         "--threads", str(threads)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.integration
@pytest.mark.chaos
@pytest.mark.slow
def test_sigkilled_worker_process_another_worker_finishes(pg_stack):
    settings = dict(ITEM_TIME_LIMIT_S=3, LEASE_MARGIN_S=2, BROKER_HEARTBEAT_TIMEOUT_MS=5000,
                    BROKER_MAINTENANCE_CHANCE=200000, DISPATCH_WINDOW=40)
    stack = pg_stack(**settings)
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url, **settings)
    user = make_user()
    batch = submit_noop(user, 300, sleep_ms=20)
    first = _start_worker(env)
    second = None
    try:
        wait_until(lambda: load(batch.id).n_done >= 30, timeout=60, message="progress")
        victims = children(first.pid)
        assert victims, "the dramatiq CLI should run its worker in a child process"
        running_before = load(batch.id).n_running
        os.kill(victims[0], signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=30)  # the CLI stops the others and exits when a child dies
        second = _start_worker(env)

        def finished_with_sweeps():
            leases.sweep()
            batches_done = load(batch.id)
            return batches_done.status == "done" and batches_done

        final = wait_until(finished_with_sweeps, timeout=120, interval=1.0,
                           message="the batch to finish on the second worker")
        print(f"\nkilled with {running_before} running; recovered and finished"
              f" {time.monotonic() - killed_at:.1f}s later")
    finally:
        for proc in (first, second):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
    assert assert_counters_match_items(batch.id)["done"] == 300
    assert final.n_done == 300
    assert all(i.status == "done" and i.attempts <= 2 for i in items(batch.id))


@pytest.mark.integration
@pytest.mark.chaos
@pytest.mark.slow
def test_sigterm_hands_running_items_back_at_once(pg_stack):
    """A rolling deploy: SIGTERM stops the worker within seconds; the items it was running
    are claimable at once (no lease expiry) and keep their attempts."""
    stack = pg_stack(DISPATCH_WINDOW=20)
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url)
    batch = submit_noop(make_user(), 40, sleep_ms=1500)
    first = _start_worker(env, threads=4)
    second = None
    try:
        wait_until(lambda: load(batch.id).n_running >= 4, timeout=60, message="running items")
        stopped_at = time.monotonic()
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=30)
        stop_s = time.monotonic() - stopped_at
        after = load(batch.id)
        assert after.n_running == 0, "every running item was handed back"
        second = _start_worker(env, threads=8)
        final = wait_finished(batch.id, timeout=120)  # no lease sweep needed
        print(f"\nworker stopped {stop_s:.1f}s after SIGTERM; batch done"
              f" {time.monotonic() - stopped_at:.1f}s after it")
    finally:
        for proc in (first, second):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
    assert stop_s < 10
    assert final.status == "done"
    assert assert_counters_match_items(batch.id)["done"] == 40
    assert all(i.attempts == 1 for i in items(batch.id)), "a hand-back spends no attempt"
    # Both workers sent their acks (in bulk, a moment late) before they stopped: no
    # message is left unacknowledged or stored in Redis.
    client, ns = stack.broker.client, stack.settings.redis_namespace
    assert [k for k in client.scan_iter(f"{ns}:__acks__.*") if client.scard(k)] == []
    assert {lane: client.hlen(f"{ns}:{lane}.msgs") for lane in LANES} == dict.fromkeys(
        LANES, 0)
