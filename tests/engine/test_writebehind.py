"""Group commit and write-behind on their own: threads share statements, nobody's result
goes astray, errors reach exactly the requests they belong to, and backpressure holds."""

from __future__ import annotations

import random
import threading
import time

import pytest
import sqlalchemy.exc

from app import writebehind
from app.groupcommit import GroupCommit
from app.writebehind import WriteBehind


class Recorder:
    """An `execute` that squares its requests, like a statement taking a little while."""

    def __init__(self, delay_s: float = 0.002) -> None:
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.groups: list[list[int]] = []
        self.running = 0
        self.most_running = 0

    def __call__(self, requests):
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.groups.append(list(requests))
        time.sleep(self.delay_s * random.random())
        with self.lock:
            self.running -= 1
        return [r * r for r in requests]


def _hammer(call, threads: int, per_thread: int) -> dict[int, object]:
    results: dict[int, object] = {}
    lock = threading.Lock()

    def work(t: int) -> None:
        for n in range(per_thread):
            request = t * per_thread + n
            value = call(request)
            with lock:
                results[request] = value

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("concurrent", [1, 2])
def test_every_request_gets_its_own_result_once(concurrent):
    # Given 16 threads sharing a group commit that may run `concurrent` groups at once
    execute = Recorder()
    group_commit = GroupCommit(execute, max_concurrent=concurrent)
    # When each makes 200 calls
    results = _hammer(group_commit, threads=16, per_thread=200)
    # Then every call got the square of its own request, and each request ran once
    assert results == {n: n * n for n in range(16 * 200)}
    ran = sorted(r for group in execute.groups for r in group)
    assert ran == list(range(16 * 200))
    assert group_commit.requests == 16 * 200
    assert group_commit.statements == len(execute.groups)
    # ... in shared statements, never more at once than allowed
    assert group_commit.statements < group_commit.requests / 2
    assert execute.most_running <= concurrent


def test_a_lone_caller_runs_at_once_in_a_group_of_one():
    execute = Recorder(delay_s=0)
    group_commit = GroupCommit(execute)
    assert [group_commit(n) for n in range(5)] == [0, 1, 4, 9, 16]
    assert execute.groups == [[0], [1], [2], [3], [4]]


def test_an_error_reaches_every_request_of_its_group_and_no_other():
    gate = threading.Event()
    calls: list[list[int]] = []

    def execute(requests):
        calls.append(list(requests))
        if requests[0] == 0:
            gate.wait(5)  # hold the first group while the others queue up
            return [0]
        if 13 in requests:
            raise RuntimeError("the statement failed")
        return list(requests)

    group_commit = GroupCommit(execute)
    outcomes: dict[int, object] = {}

    def call(n: int) -> None:
        try:
            outcomes[n] = group_commit(n)
        except RuntimeError as exc:
            outcomes[n] = str(exc)

    first = threading.Thread(target=call, args=(0,))
    first.start()
    time.sleep(0.05)
    others = [threading.Thread(target=call, args=(n,)) for n in (11, 12, 13)]
    for thread in others:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in [first, *others]:
        thread.join(5)
    # The three that queued behind the first shared one statement, and its error
    assert calls[0] == [0] and sorted(calls[1]) == [11, 12, 13]
    assert outcomes == {0: 0, 11: "the statement failed", 12: "the statement failed",
                        13: "the statement failed"}
    # ... and the next caller is unaffected
    assert group_commit(5) == 5


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
