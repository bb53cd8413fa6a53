"""Live progress: keeping the most advanced state, and the hub's fan-out from a thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from ui import words
from ui.live import Follower, ProgressHub, Snapshot, merge

BATCH = "0b8c7c1e-5d0a-4a43-9f57-2f4b7e0b9a10"


def event(status: str, done: int = 0, failed: int = 0, cancelled: int = 0, total: int = 10,
          batch: str = BATCH, owner: int = 7, **extra) -> dict:
    rest = total - done - failed - cancelled
    return {"batch_id": batch, "owner_id": owner, "status": status, "lane": "low",
            "total": total, "counts": {"pending": 0, "queued": rest, "running": 0,
                                       "done": done, "failed": failed,
                                       "cancelled": cancelled}, **extra}


def snap(*args, **kwargs) -> Snapshot:
    authoritative = kwargs.pop("authoritative", False)
    return Snapshot.from_event(event(*args, **kwargs), authoritative=authoritative)


# --- merge: the rule every receiver applies ---------------------------------------------


def test_the_most_advanced_state_wins_whatever_the_arrival_order():
    arrivals = [snap("running", 3), snap("running", 5, 1), snap("running", 4),
                snap("done", 8, 2), snap("running", 7, 2)]
    state = None
    for incoming in arrivals:
        state = merge(state, incoming) or state
    assert (state.status, state.done, state.failed) == ("done", 8, 2)


def test_a_tie_keeps_the_finished_state_and_the_finalized_flag():
    finished = merge(None, snap("done", 10, finalized=True))
    assert finished.finalized
    late = snap("running", 10)  # the last item's event, after the finalize event
    assert merge(finished, late) is None
    same = merge(finished, snap("done", 10))
    assert same.finalized and same.status == "done"


def test_authoritative_states_replace_even_when_counts_go_back():
    finished = merge(None, snap("done", 8, 2, finalized=True))
    retried = snap("running", 8, 0, authoritative=True)  # after a retry of the 2 failed
    merged = merge(finished, retried)
    assert (merged.status, merged.progress, merged.finalized) == ("running", 8, False)


def test_started_at_is_carried_over_from_the_database_read():
    opened = Snapshot(BATCH, 7, "running", 10, {"done": 1}, started_at=1000.0)
    merged = merge(opened, snap("running", 2))
    assert merged.started_at == 1000.0


# --- Follower: a page's view ---------------------------------------------------------------


class RecordingHub:
    def __init__(self) -> None:
        self.verified: list[str] = []

    def verify(self, batch_id: str) -> None:
        self.verified.append(batch_id)


def test_a_page_asks_the_hub_to_check_when_its_state_goes_backwards():
    hub, seen = RecordingHub(), []
    follower = Follower(hub, snap("done", 9, 1), lambda s, p: seen.append(s.progress))
    assert not follower.offer(snap("running", 9, 0))  # a retry, or a late event
    assert hub.verified == [BATCH] and seen == []
    assert follower.offer(snap("running", 9, 0, authoritative=True))
    assert seen == [9]
    assert follower.offer(snap("done", 10, 0))
    assert seen == [9, 10] and follower.state.status == "done"


def test_time_left_uses_the_rate_since_the_start():
    hub = RecordingHub()
    started = time.time() - 60
    follower = Follower(hub, Snapshot(BATCH, 7, "running", 300, {"done": 98, "failed": 2},
                                      started_at=started), lambda s, p: None)
    elapsed, processed = follower.rate_basis()
    assert 59 < elapsed < 62 and processed is None
    # 100 in a minute, 200 to go: about two minutes
    assert words.time_left_text("running", 300, 100, elapsed) == "About 2 minutes left"
    # Without a start time (opened before it started), the rate since the page saw it run
    follower = Follower(hub, snap("queued", 0, total=50), lambda s, p: None)
    follower.offer(snap("running", 0, total=50))
    follower.first_running = (time.time() - 10, 0)
    follower.offer(snap("running", 25, total=50))
    elapsed, processed = follower.rate_basis()
    assert processed == 25 and 9 < elapsed < 12
    assert words.time_left_text("running", 50, 25, elapsed, processed) == \
        "Less than a minute left"


# --- ProgressHub: from the listener thread to the pages ------------------------------------


class FakeListener:
    def __init__(self) -> None:
        self.callbacks = []
        self.ready = threading.Event()
        self.started = self.stopped = False

    def subscribe(self, callback):
        self.callbacks.append(callback)

    def start(self):
        self.started = True
        self.ready.set()

    def stop(self):
        self.stopped = True

    def publish_from_thread(self, *events: dict) -> None:
        def run():
            for e in events:
                for callback in self.callbacks:
                    callback(e)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()


@pytest.fixture
def hub_and_listener():
    listener = FakeListener()
    reads: list[str] = []
    database = {"state": None}

    def read_state(batch_id: str):
        reads.append(batch_id)
        return database["state"]

    hub = ProgressHub(listener_factory=lambda: listener, read_state=read_state)
    return hub, listener, reads, database


@pytest.mark.anyio
async def test_the_hub_fans_out_per_batch_and_per_owner(hub_and_listener):
    hub, listener, _, _ = hub_and_listener
    hub.start()
    assert listener.started and hub.ready
    by_batch, by_owner, other = [], [], []
    hub.subscribe_batch(BATCH, by_batch.append)
    hub.subscribe_owner(7, by_owner.append)
    hub.subscribe_batch("another", other.append)
    listener.publish_from_thread(event("running", 1), event("running", 3), event("running", 2))
    await asyncio.sleep(0.05)
    # A burst becomes one update per batch: the most advanced one
    assert [s.done for s in by_batch] == [3] and [s.done for s in by_owner] == [3]
    assert other == []
    listener.publish_from_thread(event("done", 10, finalized=True))
    await asyncio.sleep(0.05)
    assert by_batch[-1].status == "done" and by_batch[-1].finalized
    assert hub.received == 4
    hub.stop()
    assert listener.stopped


@pytest.mark.anyio
async def test_the_hub_reads_the_database_once_when_counts_go_back(hub_and_listener,
                                                                     monkeypatch):
    from ui import live

    monkeypatch.setattr(live, "VERIFY_DELAY_S", 0.01)
    hub, listener, reads, database = hub_and_listener
    hub.start()
    seen = []
    hub.subscribe_batch(BATCH, seen.append)
    listener.publish_from_thread(event("done", 8, 2, finalized=True))
    await asyncio.sleep(0.05)
    # A retry: the failed two wait again; three such events arrive, one read follows
    database["state"] = event("running", 8, 0)
    listener.publish_from_thread(event("running", 8, 0), event("running", 8, 0),
                                 event("running", 8, 0))
    await asyncio.sleep(0.2)
    assert reads == [BATCH]
    assert seen[-1].authoritative and (seen[-1].status, seen[-1].progress) == ("running", 8)
    # The new run then moves on normally
    listener.publish_from_thread(event("done", 10, 0))
    await asyncio.sleep(0.05)
    assert (seen[-1].status, seen[-1].progress, seen[-1].authoritative) == ("done", 10, False)


@pytest.mark.anyio
async def test_a_read_older_than_a_newer_event_does_not_win(hub_and_listener, monkeypatch):
    from ui import live

    monkeypatch.setattr(live, "VERIFY_DELAY_S", 0.05)
    hub, listener, reads, database = hub_and_listener
    hub.start()
    seen = []
    hub.subscribe_batch(BATCH, seen.append)
    listener.publish_from_thread(event("done", 9, 1))
    await asyncio.sleep(0.02)
    database["state"] = event("running", 9, 0)  # read before the retried item finished
    listener.publish_from_thread(event("running", 9, 0))  # regression: read scheduled
    listener.publish_from_thread(event("done", 10, 0))  # the retried item, meanwhile
    await asyncio.sleep(0.2)
    assert reads == [BATCH]
    assert (seen[-1].status, seen[-1].progress) == ("done", 10)


# --- Plain words -----------------------------------------------------------------------------


def test_progress_words():
    assert words.progress_text(300, 126, 2, 0) == \
        "128 of 300 resumes screened, 2 could not be read"
    assert words.progress_text(1, 0, 0, 0) == "0 of 1 resume screened"
    assert words.progress_text(10, 4, 1, 5) == \
        "5 of 10 resumes screened, 1 could not be read, 5 not screened"
    assert words.status_text("timed_out") == "Stopped: it took too long"


def test_time_left_words():
    assert words.duration_left(20) == "Less than a minute left"
    assert words.duration_left(61) == "About 1 minute left"
    assert words.duration_left(100) == "About 2 minutes left"
    assert words.duration_left(3600 + 20 * 60) == "About 1 hour 20 minutes left"
    assert words.duration_left(12 * 3600 + 60) == "About 12 hours left"
    assert words.time_left_text("done", 10, 5, 60) == ""
    assert words.time_left_text("running", 10, 0, 60) == ""
    assert words.time_left_text("running", 10, 5, None) == ""


def test_waiting_words():
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
    reason = "1 screening ahead of yours in the normal lane (68 files)."
    assert words.waiting_text(reason, None, None, now) == reason
    assert words.waiting_text(reason, now + timedelta(seconds=68),
                              now + timedelta(seconds=88), now) == (
        reason + " It should start and finish in about 1 minute.")
    assert words.waiting_text(reason, now + timedelta(seconds=20),
                              now + timedelta(minutes=7), now) == (
        reason + " It should start in less than a minute and finish in about 7 minutes.")
    assert words.waiting_text(None, None, None, now) == ""


# --- Admin lists: every batch, throttled -------------------------------------------------


def test_a_throttle_tells_at_once_then_once_per_interval():
    from ui.live import Throttle

    throttle = Throttle(0.5)
    assert throttle.delay(100.0) == 0.0  # never told: at once
    throttle.told(100.0)
    assert throttle.delay(100.1) == pytest.approx(0.4)
    assert throttle.delay(100.5) == 0.0
    assert throttle.delay(107.0) == 0.0


@pytest.mark.anyio
async def test_a_deleted_batch_is_told_to_its_pages_its_owners_lists_and_admin_lists(
        hub_and_listener):
    hub, listener, _, _ = hub_and_listener
    hub.start()
    by_batch, by_owner, admins = [], [], []
    hub.subscribe_batch(BATCH, by_batch.append)
    hub.subscribe_owner(7, by_owner.append)
    hub.subscribe_all(admins.extend)
    listener.publish_from_thread(event("done", 10, finalized=True))
    await asyncio.sleep(0.05)
    listener.publish_from_thread({"type": "deleted", "batch_id": BATCH, "owner_id": 7})
    await asyncio.sleep(0.7)  # admin lists: the second telling waits for the interval
    assert [(s.status, s.deleted) for s in by_batch] == [("done", False), ("deleted", True)]
    assert [s.status for s in by_owner] == ["done", "deleted"]
    assert [s.status for s in admins] == ["done", "deleted"]
    # A page's follower takes it, whatever it showed
    seen = []
    follower = Follower(RecordingHub(), snap("done", 10, finalized=True),
                        lambda s, p: seen.append(s.status))
    assert follower.offer(by_batch[-1]) and seen == ["deleted"]
    # Nothing of it is kept: a late progress event starts from nothing
    listener.publish_from_thread(event("done", 10), {"type": "deleted", "batch_id": BATCH})
    await asyncio.sleep(0.05)
    assert by_batch[-1].status == "done"  # the event without its owner is ignored
    hub.stop()


@pytest.mark.anyio
async def test_admin_lists_get_every_batch_at_most_twice_a_second(hub_and_listener):
    from ui import live

    hub, listener, _, _ = hub_and_listener
    hub.start()
    told: list[tuple[float, list]] = []
    hub.subscribe_all(lambda changed: told.append((time.monotonic(), changed)))
    started = time.monotonic()
    # A burst over a second and a half: 30 events of two batches
    for i in range(15):
        listener.publish_from_thread(event("running", i + 1, batch="a"),
                                     event("running", i + 1, batch="b", owner=8))
        await asyncio.sleep(0.1)
    await asyncio.sleep(live.ALL_INTERVAL_S + 0.1)
    # The first at once, then one per interval at most, each with both batches' latest
    gaps = [b[0] - a[0] for a, b in zip(told, told[1:])]
    assert told[0][0] - started < 0.1
    assert 3 <= len(told) <= 5 and all(gap >= live.ALL_INTERVAL_S - 0.02 for gap in gaps)
    last = {s.batch_id: s.done for s in told[-1][1]}
    assert last == {"a": 15, "b": 15}
    assert all(len({s.batch_id for s in changed}) == len(changed) for _, changed in told)
    hub.stop()
