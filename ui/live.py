"""Live progress for open pages: one event listener per web process, fanned out by key.

Workers publish a small event after each transition (app.engine.events). This process runs one
`app.engine.events.Listener` thread; each event hops onto the event loop and is emitted through a
`nicegui.Event` per batch ("batch:<id>") and per owner ("owner:<id>"). Pages read the
database once when they open, then subscribe to their key; NiceGUI unsubscribes them when
their client goes. No page polls the database.

Admin lists follow every batch ("all"): that key gets the batches changed since it was
last told, at most once per ALL_INTERVAL_S for the whole process (a burst of events from
a thousand items becomes one call), so a list re-reads its visible page at most that often.

Events carry absolute counts and may arrive out of order, so every receiver keeps the most
advanced state (the largest done + failed + cancelled). A retry restarts counts (failed
items go back to waiting), which looks exactly like a late event; when a state goes
backwards, the hub reads that batch from the database once (not per page, debounced) and
sends the result to everyone as authoritative.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from nicegui import Event

from app.engine import events
from app.models import BATCH_FINISHED, Batch
from app.recruiting import queries

log = logging.getLogger("shortlist.ui.live")

FINISHED = {s.value for s in BATCH_FINISHED}
VERIFY_DELAY_S = 0.25
ALL_KEY = "all"
DELETED = "deleted"  # a snapshot's status once the batch is gone (events.publish_deleted)
ALL_INTERVAL_S = 0.5  # admin lists: at most two re-reads a second


@dataclass(frozen=True)
class Snapshot:
    """A batch's progress as a page shows it."""

    batch_id: str
    owner_id: int
    status: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    started_at: float | None = None  # epoch seconds, when known
    finalized: bool = False  # the summary and the reports are written
    authoritative: bool = False  # read from the database: replaces whatever a page holds

    @property
    def done(self) -> int:
        return self.counts.get("done", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    @property
    def cancelled(self) -> int:
        return self.counts.get("cancelled", 0)

    @property
    def progress(self) -> int:
        return self.done + self.failed + self.cancelled

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def deleted(self) -> bool:
        return self.status == DELETED

    @property
    def fraction(self) -> float:
        return self.progress / self.total if self.total else 0.0

    @classmethod
    def from_batch(cls, batch: Batch) -> Snapshot:
        return cls(
            batch_id=str(batch.id), owner_id=batch.owner_id, status=batch.status,
            total=batch.total,
            counts={k: getattr(batch, f"n_{k}") for k in
                    ("pending", "queued", "running", "done", "failed", "cancelled")},
            started_at=_epoch(batch.started_at),
            finalized=batch.summary is not None and batch.status in FINISHED,
            authoritative=True,
        )

    @classmethod
    def from_event(cls, event: dict[str, Any], *, authoritative: bool = False) -> Snapshot:
        started = event.get("started_at")
        if isinstance(started, str):
            started = _epoch(datetime.fromisoformat(started))
        return cls(
            batch_id=str(event["batch_id"]), owner_id=int(event.get("owner_id") or 0),
            status=str(event.get("status", "")), total=int(event.get("total") or 0),
            counts={k: int(v) for k, v in (event.get("counts") or {}).items()},
            started_at=started if isinstance(started, (int, float)) else None,
            finalized=bool(event.get("finalized")),
            authoritative=authoritative,
        )


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def merge(current: Snapshot | None, incoming: Snapshot) -> Snapshot | None:
    """The state to show after `incoming` arrives, or None to keep `current` (stale event).

    The most advanced state wins; on a tie a finished state beats an active one (a retry
    always lowers the count, so a tie is never a retry). Authoritative states (read from the
    database) always win. What the newer state does not know (when it started, whether the
    reports are written) is carried over from the older one.
    """
    if current is None:
        return incoming
    if not incoming.authoritative:
        if incoming.progress < current.progress:
            return None
        if incoming.progress == current.progress and current.finished and not incoming.finished:
            return None
    same_run = incoming.progress >= current.progress
    return replace(
        incoming,
        started_at=incoming.started_at or current.started_at,
        finalized=incoming.finalized or (current.finalized and same_run and incoming.finished),
        authoritative=False,
    )


def regressed(current: Snapshot | None, incoming: Snapshot) -> bool:
    return current is not None and not incoming.authoritative and \
        incoming.progress < current.progress


class Throttle:
    """At most one telling per `interval_s`: a change is told at once when the last telling
    is that old, else when the interval is over (changes meanwhile join it)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait, from `now`, before telling."""
        if self.last is None:
            return 0.0
        return max(0.0, self.last + self.interval_s - now)

    def told(self, now: float) -> None:
        self.last = now


class ProgressHub:
    """Follows app.engine.events on a thread; emits Snapshots on the event loop, per key."""

    def __init__(self, listener_factory: Callable[[], events.Listener] = events.Listener,
                 read_state: Callable[[str], dict[str, Any] | None] = queries.progress_state,
                 max_batches: int = 10_000) -> None:
        self._listener_factory = listener_factory
        self._read_state = read_state
        self._max_batches = max_batches
        self._listener: events.Listener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._inbox: list[dict[str, Any]] = []
        self._flush_scheduled = False
        self._events: dict[str, Event] = {}
        self._latest: dict[str, Snapshot] = {}
        self._accepted: dict[str, int] = {}  # per batch: how many states were accepted
        self._verifying: set[str] = set()
        self._all_changed: dict[str, Snapshot] = {}  # for "all", since it was last told
        self._all_scheduled = False
        self._all_throttle = Throttle(ALL_INTERVAL_S)
        self.received = 0  # events seen (for tests and logs)

    # --- Lifecycle (app startup and shutdown) ---------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._listener = self._listener_factory()
        self._listener.subscribe(self._receive)
        self._listener.start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    @property
    def ready(self) -> bool:
        return self._listener is not None and self._listener.ready.is_set()

    # --- Subscriptions (inside a page: unsubscribed when the client goes) -------------

    def subscribe_batch(self, batch_id: str, callback: Callable[[Snapshot], Any]) -> None:
        self._event(f"batch:{batch_id}").subscribe(callback)

    def subscribe_owner(self, owner_id: int, callback: Callable[[Snapshot], Any]) -> None:
        self._event(f"owner:{owner_id}").subscribe(callback)

    def subscribe_decisions(self, batch_id: str, callback: Callable[[dict], Any]) -> None:
        """The hiring team's changes to a batch's candidates: `callback({"item_id": ...})`."""
        self._event(f"decisions:{batch_id}").subscribe(callback)

    def subscribe_notifications(self, owner_id: int, callback: Callable[[dict], Any]) -> None:
        """The person's in-app notifications as they are written: `callback({"id",
        "batch", "title", "event"})` (app.notify.notifications.on_finished)."""
        self._event(f"notify:{owner_id}").subscribe(callback)

    def subscribe_all(self, callback: Callable[[list[Snapshot]], Any]) -> None:
        """Every batch's changes, throttled (admin lists): `callback(changed snapshots)`."""
        self._event(ALL_KEY).subscribe(callback)

    def verify(self, batch_id: str) -> None:
        """Read the batch once from the database (debounced) and send it as authoritative."""
        if self._loop is None or batch_id in self._verifying:
            return
        self._verifying.add(batch_id)
        accepted_before = self._accepted.get(batch_id, 0)

        async def read_and_send() -> None:
            try:
                await asyncio.sleep(VERIFY_DELAY_S)
                state = await asyncio.get_running_loop().run_in_executor(
                    None, self._read_state, batch_id)
            except Exception:  # noqa: BLE001  (the next event corrects the page)
                log.exception("could not read batch %s for live progress", batch_id)
                return
            finally:
                self._verifying.discard(batch_id)
            if state is None:
                return
            # Something newer was accepted meanwhile: the read may be older than it.
            settled = self._accepted.get(batch_id, 0) == accepted_before
            self._apply(state, authoritative=settled, allow_verify=False)

        self._loop.create_task(read_and_send())

    def _event(self, key: str) -> Event:
        event = self._events.get(key)
        if event is None:
            if len(self._events) > 1000:
                for stale in [k for k, e in self._events.items() if not e.callbacks]:
                    del self._events[stale]
            event = self._events[key] = Event()
        return event

    # --- From the listener thread to the loop --------------------------------------------

    def _receive(self, event: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            self._inbox.append(event)
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        try:
            loop.call_soon_threadsafe(self._flush)
        except RuntimeError:  # the loop closed meanwhile (shutdown)
            pass

    def _flush(self) -> None:
        with self._lock:
            inbox, self._inbox = self._inbox, []
            self._flush_scheduled = False
        changed: dict[str, Snapshot] = {}
        for event in inbox:
            self.received += 1
            if event.get("type") == "decision":  # people's changes, not progress
                watchers = self._events.get(f"decisions:{event.get('batch_id')}")
                if watchers is not None and watchers.callbacks:
                    watchers.emit(event)
                continue
            if event.get("type") == "notification":  # a person told (app.notify)
                watchers = self._events.get(f"notify:{event.get('owner_id')}")
                if watchers is not None and watchers.callbacks:
                    watchers.emit(event)
                continue
            if event.get("type") == DELETED:
                gone = self._forget(event)
                if gone is not None:
                    changed[gone.batch_id] = gone
                continue
            snapshot = self._accept(event, authoritative=False, allow_verify=True)
            if snapshot is not None:
                changed[snapshot.batch_id] = snapshot
        for snapshot in changed.values():  # a burst becomes one update per batch
            self._emit(snapshot)

    def _apply(self, event: dict[str, Any], *, authoritative: bool, allow_verify: bool) -> None:
        snapshot = self._accept(event, authoritative=authoritative, allow_verify=allow_verify)
        if snapshot is not None:
            self._emit(replace(snapshot, authoritative=authoritative))

    def _accept(self, event: dict[str, Any], *, authoritative: bool,
                allow_verify: bool) -> Snapshot | None:
        try:
            incoming = Snapshot.from_event(event, authoritative=authoritative)
        except (KeyError, TypeError, ValueError):
            return None
        current = self._latest.get(incoming.batch_id)
        merged = merge(current, incoming)
        if merged is None:
            if allow_verify and regressed(current, incoming):
                self.verify(incoming.batch_id)
            return None
        if len(self._latest) >= self._max_batches and incoming.batch_id not in self._latest:
            self._latest.pop(next(iter(self._latest)))
            self._accepted.pop(next(iter(self._accepted)), None)
        self._latest[incoming.batch_id] = merged
        self._accepted[incoming.batch_id] = self._accepted.get(incoming.batch_id, 0) + 1
        return merged

    def _forget(self, event: dict[str, Any]) -> Snapshot | None:
        """A deleted batch: its last state is dropped, its pages and lists are told."""
        try:
            gone = Snapshot(batch_id=str(event["batch_id"]), owner_id=int(event["owner_id"]),
                            status=DELETED, total=0, authoritative=True)
        except (KeyError, TypeError, ValueError):
            return None
        self._latest.pop(gone.batch_id, None)
        self._accepted.pop(gone.batch_id, None)
        return gone

    def _emit(self, snapshot: Snapshot) -> None:
        for key in (f"batch:{snapshot.batch_id}", f"owner:{snapshot.owner_id}"):
            event = self._events.get(key)
            if event is not None and event.callbacks:
                event.emit(snapshot)
        watchers = self._events.get(ALL_KEY)
        if watchers is None or not watchers.callbacks or self._loop is None:
            return
        self._all_changed[snapshot.batch_id] = snapshot
        if not self._all_scheduled:
            self._all_scheduled = True
            self._loop.call_later(self._all_throttle.delay(time.monotonic()), self._emit_all)

    def _emit_all(self) -> None:
        self._all_scheduled = False
        changed, self._all_changed = list(self._all_changed.values()), {}
        self._all_throttle.told(time.monotonic())
        watchers = self._events.get(ALL_KEY)
        if changed and watchers is not None and watchers.callbacks:
            watchers.emit(changed)


class Follower:
    """A page's view of one batch: the state it shows, updated by the hub's snapshots."""

    def __init__(self, hub: ProgressHub, initial: Snapshot,
                 on_change: Callable[[Snapshot, Snapshot | None], Any]) -> None:
        self.hub = hub
        self.state = replace(initial, authoritative=False)
        self.on_change = on_change
        self.first_running: tuple[float, int] | None = None
        if self.state.status == "running" and self.state.started_at is None:
            self.first_running = (time.time(), self.state.progress)

    def offer(self, incoming: Snapshot) -> bool:
        """Take a snapshot if it is newer; returns whether the page changed."""
        merged = merge(self.state, incoming)
        if merged is None:
            if regressed(self.state, incoming):
                self.hub.verify(incoming.batch_id)
            return False
        previous, self.state = self.state, merged
        if previous.progress > merged.progress:  # a new run after a retry
            self.first_running = None
        if merged.status == "running" and merged.started_at is None and self.first_running is None:
            self.first_running = (time.time(), merged.progress)
        self.on_change(merged, previous)
        return True

    def rate_basis(self) -> tuple[float | None, int | None]:
        """(seconds elapsed, items finished in them) for the time-left estimate."""
        state = self.state
        if state.started_at is not None:
            return time.time() - state.started_at, None
        if self.first_running is not None:
            since, at_progress = self.first_running
            return time.time() - since, state.progress - at_progress
        return None, None


# The hub of this process; ui.web.setup() replaces it with a fresh one per app start.
hub = ProgressHub()
