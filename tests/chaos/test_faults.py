"""Faults on a real process set: worker processes (`dramatiq`, restarted by a supervisor
as a Procfile host does), a scheduler process, PostgreSQL and Redis. Each test ends with
every item terminal, counters equal to the item counts, and the recovery time printed."""

from __future__ import annotations

import time

import psycopg
import pytest

import tests.chaos.poison  # noqa: F401  (registers the poison kind here too)
from app.engine import batches
from tests.chaos.fleet import Dyno, PrivateRedis, SchedulerProcess
from tests.conftest import Stack, subprocess_env, wait_until
from tests.engine.helpers import assert_counters_match_items, items, load, make_user, submit_noop

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.slow]

FAST_RECOVERY = dict(
    ITEM_TIME_LIMIT_S=3, LEASE_MARGIN_S=2, BROKER_HEARTBEAT_TIMEOUT_MS=5000,
    BROKER_MAINTENANCE_CHANCE=200000, SWEEP_INTERVAL_S=1, TOP_UP_INTERVAL_S=1,
    RETRY_MIN_BACKOFF_MS=100, RETRY_MAX_BACKOFF_MS=1000, RESEND_QUEUED_AFTER_S=2,
)


def _env(stack: Stack) -> dict:
    return subprocess_env(DATABASE_URL=stack.settings.database_url,
                          REDIS_URL=stack.settings.redis_url, **FAST_RECOVERY)


def _finish(batch_id, started: float, what: str, timeout: float = 180):
    final = wait_until(lambda: load(batch_id).status in ("done", "failed") and load(batch_id),
                       timeout=timeout, interval=0.25, message="the batch to finish")
    counters = assert_counters_match_items(batch_id)
    assert counters["pending"] == counters["queued"] == counters["running"] == 0
    print(f"\n{what}: batch finished {time.monotonic() - started:.1f}s after the fault;"
          f" {counters}")
    return final, counters


def test_sigkill_one_of_two_workers_every_few_seconds(pg_stack):
    stack = pg_stack(**FAST_RECOVERY)
    env = _env(stack)
    scheduler = SchedulerProcess(env)
    dynos = [Dyno(env).start(), Dyno(env).start()]
    try:
        # 40 ms an item: at least 10 s of work for the 8 threads, time for several kills
        # (at 10 ms the batch finished before the second).
        batch = submit_noop(make_user(), 2000, sleep_ms=40)
        kills = 0
        while load(batch.id).n_done < 1600 and kills < 6:
            time.sleep(3)
            kills += dynos[kills % 2].kill_child()
        last_kill = time.monotonic()
        final, counters = _finish(batch.id, last_kill, f"{kills} SIGKILLs")
    finally:
        for dyno in dynos:
            dyno.stop()
        scheduler.stop()
    assert kills >= 2
    assert counters["done"] + counters["failed"] == 2000
    retried = [i for i in items(batch.id) if i.attempts > 1]
    print(f"items tried more than once (their worker was killed): {len(retried)}")
    # An item fails only if its worker was killed under it on every attempt.
    assert all(i.error.startswith("The worker stopped") for i in items(batch.id)
               if i.status == "failed")


def test_redis_killed_and_restarted_empty(monkeypatch, pg_url, redis_namespace, tmp_path):
    server = PrivateRedis(tmp_path).start()
    try:
        stack = Stack(monkeypatch, pg_url, server.url, **FAST_RECOVERY)
        env = _env(stack)
        scheduler = SchedulerProcess(env)
        dyno = Dyno(env).start()
        try:
            batch = submit_noop(make_user(), 600, sleep_ms=10)
            wait_until(lambda: load(batch.id).n_done >= 100, timeout=60, message="progress")
            server.kill()
            time.sleep(1)
            server.start()  # same port, no data: every queued message is gone
            restarted = time.monotonic()
            final, counters = _finish(batch.id, restarted, "Redis restarted empty")
        finally:
            dyno.stop()
            scheduler.stop()
    finally:
        server.stop()
    assert final.status == "done" and counters["done"] == 600


def test_postgresql_connections_dropped(pg_stack):
    stack = pg_stack(**FAST_RECOVERY)
    env = _env(stack)
    scheduler = SchedulerProcess(env)
    dyno = Dyno(env).start()
    database = stack.engine.url.database
    try:
        batch = submit_noop(make_user(), 800, sleep_ms=5)
        wait_until(lambda: load(batch.id).n_done >= 100, timeout=60, message="progress")
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
        stack.engine.dispose()  # this test's own connections were among them
        dropped_at = time.monotonic()
        final, counters = _finish(batch.id, dropped_at,
                                  f"{dropped} PostgreSQL connections terminated")
        assert dyno.starts == 1, "the workers reconnected without a restart"
    finally:
        dyno.stop()
        scheduler.stop()
    assert dropped >= 2
    assert final.status == "done" and counters["done"] == 800


def test_a_poison_item_fails_after_its_attempts_and_the_batch_finishes(pg_stack):
    stack = pg_stack(**FAST_RECOVERY)
    env = _env(stack)
    scheduler = SchedulerProcess(env)
    # Only the poison item shares its process; the worker loads the test's poison kind.
    dyno = Dyno(env, threads=1, modules=("tests.chaos.poison",)).start()
    try:
        batch = batches.submit(make_user(), kind="poison", operator=True,
                               items=[batches.NewItem(f"item {i}") for i in range(30)],
                               params={"sleep_ms": 20, "crash_seqs": [7]})
        started = time.monotonic()
        final, counters = _finish(batch.id, started, "poison item")
    finally:
        dyno.stop()
        scheduler.stop()
    poison = items(batch.id)[7]
    assert (poison.status, poison.attempts) == ("failed", 3)
    assert poison.error == ("The worker stopped while processing this file, 3 times."
                            " The file may be too complex to process.")
    assert counters == {"pending": 0, "queued": 0, "running": 0, "done": 29, "failed": 1,
                        "cancelled": 0}
    assert final.status == "done"
    print(f"worker processes started: {dyno.starts} (each poison attempt killed one)")
    assert dyno.starts >= 4
