"""The write-behind flusher on its own: threads share statements, nobody's result goes
astray, errors reach exactly the requests they belong to, and backpressure holds."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy.exc

from app.engine import writebehind
from app.engine.writebehind import WriteBehind

# --- Write-behind ---------------------------------------------------------------------


def test_submitted_requests_are_persisted_in_groups_and_completed_once():
    persisted: list[list[int]] = []
    completed: list[int] = []

    def flush_group(requests):
        persisted.append(list(requests))
        time.sleep(0.002)
        return [r * 10 for r in requests]

    behind = WriteBehind(flush_group, completed.append, name="test-endings")
    for n in range(500):
        behind.submit(n)
    assert behind.flush(10)
    assert sorted(completed) == [n * 10 for n in range(500)]
    assert sorted(r for group in persisted for r in group) == list(range(500))
    assert len(persisted) < 500  # grouped
    assert (behind.groups, behind.requests) == (len(persisted), 500)


def test_a_caller_that_waits_gets_its_result_and_skips_on_result():
    completed: list[int] = []
    behind = WriteBehind(lambda rs: [r + 1 for r in rs], completed.append, name="test-call")
    assert behind.call(41) == 42
    behind.submit(1)
    assert behind.flush(5)
    assert completed == [2]


def test_a_call_made_soon_is_collected_later_with_its_result_or_error():
    def flush_group(requests):
        if "bad" in requests:
            raise ValueError("a bad group")
        return [r.upper() for r in requests]

    behind = WriteBehind(flush_group, lambda r: None, name="test-soon")
    soon = behind.call_soon("claim")
    assert soon.result(timeout=5) == "CLAIM"
    failing = behind.call_soon("bad")
    with pytest.raises(ValueError, match="a bad group"):
        failing.result(timeout=5)


def test_submitters_block_while_too_many_endings_wait():
    # Given a flusher stuck on a slow database with one group in flight
    entered, release = threading.Event(), threading.Event()

    def flush_group(requests):
        entered.set()
        release.wait(5)
        return list(requests)

    behind = WriteBehind(flush_group, lambda r: None, name="test-pressure", max_group=5,
                         max_waiting=10)
    behind.submit(0)
    assert entered.wait(5)
    submitted: list[int] = []

    def submit_many() -> None:
        for n in range(1, 40):
            behind.submit(n)
            submitted.append(n)

    # When another thread submits 39 more
    thread = threading.Thread(target=submit_many)
    thread.start()
    time.sleep(0.3)
    # Then it blocks once 10 wait, and goes on when the database answers again
    assert submitted == list(range(1, 11))
    release.set()
    thread.join(5)
    assert behind.flush(5) and submitted == list(range(1, 40))


def test_a_database_outage_is_retried_and_nothing_is_lost(monkeypatch):
    monkeypatch.setattr(writebehind, "RETRY_BACKOFF_S", (0.01, 0.01, 0.01))
    failures = [2]
    completed: list[int] = []

    def flush_group(requests):
        if failures[0]:
            failures[0] -= 1
            raise sqlalchemy.exc.OperationalError("UPDATE item", {}, Exception("gone"))
        return list(requests)

    behind = WriteBehind(flush_group, completed.append, name="test-outage")
    behind.submit(7)
    assert behind.flush(5)
    assert completed == [7] and failures == [0]


def test_a_lingering_flusher_takes_what_came_meanwhile_in_one_group():
    groups: list[list[int]] = []
    behind = WriteBehind(lambda rs: groups.append(list(rs)) or list(rs), lambda _: None,
                         name="test-linger", linger_s=0.5)
    behind.submit(1)
    time.sleep(0.1)  # without the linger, 1 would be flushed alone by now
    behind.submit(2)
    behind.submit(3)
    assert behind.flush(5)
    assert groups == [[1, 2, 3]]


def test_a_bug_in_a_group_is_logged_and_the_flusher_goes_on(caplog):
    completed: list[int] = []

    def flush_group(requests):
        if 3 in requests:
            raise ValueError("bug")
        return list(requests)

    behind = WriteBehind(flush_group, completed.append, name="test-bug")
    behind.submit(3)
    assert behind.flush(5)
    with pytest.raises(ValueError):
        behind.call(3)
    behind.submit(4)
    assert behind.flush(5)
    assert completed == [4]
    assert "their leases will expire and the lease sweep requeues them" in caplog.text


def test_waiting_callers_from_many_threads_each_get_their_own_result():
    # Given 16 threads that each wait for 200 results through one flusher
    groups: list[list[int]] = []

    def flush_group(requests):
        groups.append(list(requests))
        time.sleep(0.001)
        return [r * r for r in requests]

    behind = WriteBehind(flush_group, lambda r: None, name="test-many")
    results: dict[int, int] = {}
    lock = threading.Lock()

    def work(t: int) -> None:
        for n in range(200):
            request = t * 200 + n
            value = behind.call(request)
            with lock:
                results[request] = value

    pool = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    # Then each got the square of its own request, each request ran once, in shared groups
    assert results == {n: n * n for n in range(3200)}
    assert sorted(r for g in groups for r in g) == list(range(3200))
    assert len(groups) < 3200 / 2
