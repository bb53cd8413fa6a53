"""Lanes share a worker by weight, users share a lane's window, a waiting batch says why."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

from dramatiq.worker import _WorkQueueItem
from sqlalchemy import select, update

from app.db import get_engine
from app.engine import batches, fairshare, lanes
from app.engine.shares import LaneWorkQueue
from app.engine.waiting import waiting_of
from app.models import Batch, Item, utcnow
from tests.engine.helpers import load, make_user, submit_noop, wait_finished

batch_t, item_t = Batch.__table__, Item.__table__
WEIGHTS = {"critical": 8, "high": 4, "normal": 2, "low": 1}


def message(lane: str, n: int = 0, priority: int = 50) -> _WorkQueueItem:
    return _WorkQueueItem(priority, SimpleNamespace(queue_name=lane, n=n))


def take(queue: LaneWorkQueue, n: int) -> list[str]:
    return [queue.get_nowait().message.queue_name for _ in range(n)]


def test_busy_lanes_share_the_threads_by_weight():
    queue = LaneWorkQueue(WEIGHTS)
    for i in range(200):
        for lane in WEIGHTS:
            queue.put(message(lane, i))
    taken = Counter(take(queue, 150))
    assert taken == {"critical": 80, "high": 40, "normal": 20, "low": 10}


def test_a_lane_alone_gets_everything_and_earns_no_credit_while_idle():
    queue = LaneWorkQueue(WEIGHTS)
    for i in range(100):
        queue.put(message("low", i))
    assert take(queue, 50) == ["low"] * 50
    # Critical arrives after low ran alone: low's 50 turns are no debt critical pays back.
    for i in range(50):
        queue.put(message("critical", i))
    # 8 to 1 from the start (a credit would have given low 50 turns in a row instead).
    assert Counter(take(queue, 45)) == {"critical": 41, "low": 4}


def test_inside_a_lane_priority_then_arrival_order():
    queue = LaneWorkQueue(WEIGHTS)
    queue.put(message("normal", 1, priority=50))
    queue.put(message("normal", 2, priority=50))
    queue.put(message("normal", 3, priority=0))  # a finalize message goes first
    assert [queue.get_nowait().message.n for _ in range(3)] == [3, 1, 2]
    assert queue.empty()


def test_a_window_is_split_between_a_users_batches():
    assert fairshare.split(100, 1) == [100]
    assert fairshare.split(100, 6) == [17, 17, 17, 17, 16, 16]
    assert fairshare.split(3, 5) == [1, 1, 1, 1, 1]


def windows(*batch_list) -> list[int]:
    return [load(b.id).dispatch_window for b in batch_list]


def test_more_batches_buy_no_more_of_the_lane(stack_factory):
    stack_factory(DISPATCH_WINDOW=12)
    many, one = make_user(), make_user()
    first = submit_noop(many, 30, lane="high")
    assert windows(first) == [12] and load(first.id).n_queued == 12
    more = [submit_noop(many, 30, lane="high") for _ in range(3)]
    other = submit_noop(one, 30, lane="high")
    low = submit_noop(many, 30, lane="low")  # another lane: a window of its own
    assert windows(first, *more) == [3, 3, 3, 3]
    assert windows(other, low) == [12, 12]
    # Each got its share when submitted (12, 6, 4, 3: 25 in the broker, not 4 x 12); what
    # was sent stays sent, and the older ones release nothing until under their 3.
    assert [load(b.id).n_queued for b in (first, *more, other, low)] == [12, 6, 4, 3, 12, 12]


def test_a_shrunk_share_releases_nothing_until_under_it_and_a_freed_one_is_topped_up(
        stack_factory):
    stack = stack_factory(DISPATCH_WINDOW=8)
    user = make_user()
    first = submit_noop(user, 40, lane="normal")
    second = submit_noop(user, 6, lane="normal")
    assert windows(first, second) == [4, 4]
    assert (load(first.id).n_queued, load(second.id).n_queued) == (8, 4)
    with stack.worker(threads=1):
        wait_finished(second.id)
        # The second batch ended: the first takes the whole window again.
        assert wait_finished(first.id).n_done == 40
    assert windows(first) == [8]


def test_the_top_up_restores_shares_after_a_batch_ends_without_its_finalize(stack_factory):
    stack_factory(DISPATCH_WINDOW=10)
    user = make_user()
    first = submit_noop(user, 30, lane="normal", dispatch=False)
    second = submit_noop(user, 30, lane="normal")
    assert windows(first, second) == [5, 5]
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == second.id).values(
            status="cancelled", finished_at=utcnow()))
    assert batches.top_up_all() == 10  # its share grew from 5 to the whole window
    assert windows(first) == [10] and load(first.id).n_queued == 10


def test_a_waiting_batch_says_why_and_when(stack_factory):
    stack_factory(DISPATCH_WINDOW=10)
    ahead_user, me = make_user(), make_user()
    submit_noop(ahead_user, 25, lane="normal")  # 10 of them queued (the window)
    submit_noop(make_user(), 4, lane="normal")
    mine = submit_noop(me, 6, lane="normal")
    now = utcnow()
    with get_engine().connect() as conn:
        unknown = waiting_of(conn, mine.id, now)
    assert (unknown.queue_position, unknown.estimated_start) == (14, None)
    assert unknown.waiting_reason == "2 screenings ahead of yours in the normal lane (14 files)."
    # Throughput: 20 items of the lane finished over the last 10 seconds -> 2 per second.
    done = submit_noop(make_user(), 20, lane="normal", dispatch=False)
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.batch_id == done.id).values(
            status="done", finished_at=now - timedelta(seconds=10)))
        conn.execute(update(batch_t).where(batch_t.c.id == done.id).values(status="done"))
        known = waiting_of(conn, mine.id, now)
    assert known.queue_position == 14
    assert known.estimated_start == now + timedelta(seconds=7)
    # 6 files, 3 users with work in the lane share its 2 per second.
    assert known.estimated_finish == now + timedelta(seconds=7 + 9)


def test_a_paused_lane_is_the_reason(stack_factory):
    stack_factory()
    admin = make_user(role="admin")
    lanes.pause(admin, "low")
    mine = submit_noop(make_user(), 3, lane="low")
    with get_engine().connect() as conn:
        waiting = waiting_of(conn, mine.id)
    assert waiting.waiting_reason == ("The low lane is paused by an admin: your screening"
                                      " starts when it is resumed.")
    assert waiting.estimated_start is None
    with get_engine().connect() as conn:
        assert conn.execute(select(batch_t.c.n_queued).where(batch_t.c.id == mine.id)
                            ).scalar_one() == 0
