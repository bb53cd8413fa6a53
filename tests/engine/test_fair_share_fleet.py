"""Fair share on real worker processes (`dramatiq actors.worker`), PostgreSQL and Redis:
no lane and no user starves, and a waiting batch's estimate holds. Figures are printed."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from app.db import get_engine
from app.engine import batches, lanes
from app.engine.waiting import waiting_of
from tests.chaos.fleet import Dyno
from tests.conftest import Stack, subprocess_env, wait_until
from tests.engine.helpers import load, make_user, submit_noop, wait_finished

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _worker(stack: Stack, threads: int = 4) -> Dyno:
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url,
                         DISPATCH_WINDOW=stack.settings.dispatch_window)
    return Dyno(env, threads=threads, restart=False).start()


def _done(batch_list) -> int:
    return sum(load(b.id).n_done for b in batch_list)


def _seconds(moment: datetime, since: datetime) -> float:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return (moment - since).total_seconds()


def test_many_batches_of_one_user_and_a_busy_lane_starve_no_one(pg_stack):
    """The issue's scenario: user A (high) has 6 x 250 items of 100 ms on one process of 4
    threads; then B (low) and C (high) submit 20 each. Before this change, A finished 54 %
    of its remaining items before C was done and 100 % before B was."""
    stack = pg_stack(DISPATCH_WINDOW=100)
    a, b, c = make_user(), make_user(), make_user()
    a_batches = [submit_noop(a, 250, sleep_ms=100, lane="high") for _ in range(6)]
    worker = _worker(stack)
    try:
        wait_until(lambda: _done(a_batches) >= 40, timeout=60, message="A to get going")
        a_before = _done(a_batches)
        arrived = datetime.now(timezone.utc)
        low = submit_noop(b, 20, sleep_ms=100, lane="low")
        high = submit_noop(c, 20, sleep_ms=100, lane="high")
        with get_engine().connect() as conn:
            estimates = {"B": waiting_of(conn, low.id), "C": waiting_of(conn, high.id)}
        wait_finished(high.id, timeout=120)
        a_at_c = _done(a_batches)
        wait_finished(low.id, timeout=120)
        a_at_b = _done(a_batches)
        started = {"B": load(low.id).started_at, "C": load(high.id).started_at}
        for batch in a_batches:
            batches.cancel(a, batch.id)
    finally:
        worker.stop()
    left = 6 * 250 - a_before
    share_c, share_b = (a_at_c - a_before) / left, (a_at_b - a_before) / left
    print(f"\nA's remaining {left} items: {share_c:.1%} done before C finished,"
          f" {share_b:.1%} before B finished (before this change: 54% and 100%)")
    assert share_c < 0.25
    assert share_b < 0.50
    for who, waiting in estimates.items():
        actual = max(_seconds(started[who], arrived), 0.5)  # a worker polls every ~0.3 s
        estimated = max(_seconds(waiting.estimated_start, arrived), 0.5)
        print(f"{who}: {waiting.queue_position} files ahead, '{waiting.waiting_reason}',"
              f" estimated start after {estimated:.1f} s, started after {actual:.1f} s")
        assert 0.5 <= estimated / actual <= 2.0, who


def test_a_low_lane_gets_its_weights_share_under_a_sustained_critical_load(pg_stack):
    stack = pg_stack(DISPATCH_WINDOW=200)
    admin = make_user(role="admin")
    critical = submit_noop(admin, 600, sleep_ms=20, lane="critical")
    recruiter = make_user()
    low = submit_noop(recruiter, 100, sleep_ms=20, lane="low")
    worker = _worker(stack)
    try:
        wait_until(lambda: load(critical.id).n_done >= 300, timeout=120,
                   message="the critical batch to be half done")
        crit_done, low_done = load(critical.id).n_done, load(low.id).n_done
        batches.cancel(admin, critical.id)
        batches.cancel(recruiter, low.id)
    finally:
        worker.stop()
    share = low_done / (low_done + crit_done)
    print(f"\nunder critical load: low did {low_done} while critical did {crit_done}:"
          f" {share:.1%} (its weight's share: 1/9 = 11.1%; strict priority gave ~0)")
    assert share >= 0.8 / 9


def test_a_paused_lane_waits_with_its_reason_and_runs_when_resumed(pg_stack):
    stack = pg_stack()
    admin = make_user(role="admin")
    lanes.pause(admin, "low")
    busy = submit_noop(make_user(), 60, sleep_ms=20, lane="normal")
    held = submit_noop(make_user(), 10, sleep_ms=1, lane="low")
    worker = _worker(stack, threads=2)
    try:
        wait_finished(busy.id, timeout=60)
        time.sleep(0.5)
        assert load(held.id).n_done == 0
        with get_engine().connect() as conn:
            reason = waiting_of(conn, held.id).waiting_reason
        assert reason == ("The low lane is paused by an admin: your screening starts when"
                          " it is resumed.")
        batches.resume_lane(admin, "low")
        assert wait_finished(held.id, timeout=60).n_done == 10
    finally:
        worker.stop()
