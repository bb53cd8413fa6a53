"""Progress events: published after each transition, followed by one listener per process.

Redis pub/sub carries them: the real server when REDIS_URL is set, the in-process
fakeredis in embedded mode; one interface, the same code. An event is small (batch id,
owner, status, counts): a listener that missed some simply shows the next one, and pages
read the database once when they open. Workers publish after their own commits, so two
events of one batch may arrive swapped: each carries absolute counts, and a listener keeps
the most advanced.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from app.redis_client import key, reset_shared_client, shared_client

log = logging.getLogger("shortlist.events")

def _get_client():
    return shared_client()


def reset() -> None:
    """Forget the client (tests switch servers)."""
    reset_shared_client()


COALESCE_S = 0.1


def _send(event: dict[str, Any]) -> None:
    try:
        _get_client().publish(key("events"), json.dumps(event, separators=(",", ":")))
    except Exception as exc:  # noqa: BLE001  (Redis down: the page catches up later)
        log.warning("could not publish event for batch %s: %s", event.get("batch_id"), exc)


class _Coalescer:
    """At most one event per batch per COALESCE_S from this process; the latest wins.

    Events carry absolute counts, so skipping intermediate ones loses nothing: a batch
    finishing 2,000 items a second costs listeners ten events, not 2,000. A batch's first
    event and its end are sent at once.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_sent: dict[str, float] = {}
        self.pending: dict[str, dict[str, Any]] = {}
        self.wakeup = threading.Event()
        self.thread: threading.Thread | None = None

    def publish(self, event: dict[str, Any]) -> None:
        batch_id = event.get("batch_id", "")
        urgent = event.get("finalized") or event.get("status") not in ("queued", "running")
        now = time.monotonic()
        with self.lock:
            if not urgent and now - self.last_sent.get(batch_id, 0.0) < COALESCE_S:
                self.pending[batch_id] = event
                self._ensure_thread()
                return
            self.pending.pop(batch_id, None)
            self.last_sent[batch_id] = now
            if len(self.last_sent) > 10_000:
                self.last_sent.clear()
        _send(event)

    def _ensure_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._flush_forever, name="event-coalescer",
                                           daemon=True)
            self.thread.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(COALESCE_S / 2)
            now = time.monotonic()
            with self.lock:
                due = [b for b in self.pending
                       if now - self.last_sent.get(b, 0.0) >= COALESCE_S]
                events = [self.pending.pop(b) for b in due]
                for b in due:
                    self.last_sent[b] = now
            for event in events:
                _send(event)


_coalescer = _Coalescer()


def publish(event: dict[str, Any]) -> None:
    """Best effort: progress display must never fail an item. `at` is when it happened."""
    _coalescer.publish({**event, "at": time.time()})


def publish_now(event: dict[str, Any]) -> None:
    """A change people make (a decision, a note): rare, so sent at once, never coalesced
    with a batch's progress. Carries a `type` the progress listeners skip."""
    _send({**event, "at": time.time()})


def publish_deleted(batch_id: object, owner_id: int) -> None:
    """A batch and its items are gone (deleted by a person, or past its keeping date):
    its open pages say so and lists drop it at once, instead of at their next change."""
    publish_now({"type": "deleted", "batch_id": str(batch_id), "owner_id": owner_id})


class Listener:
    """One background thread per process that follows the channel and fans out events."""

    def __init__(self, client=None) -> None:
        self._client = client
        self._callbacks: list[Callable[[dict[str, Any]], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="event-listener",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = (self._client or _get_client()).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(key("events"))
                self.ready.set()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message and message.get("type") == "message":
                        self._deliver(message["data"])
            except Exception as exc:  # noqa: BLE001  (Redis restarted: reconnect)
                log.warning("event listener lost its connection (%s); reconnecting", exc)
                self._stop.wait(1.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001
                        pass

    def _deliver(self, data: bytes | str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            return
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # noqa: BLE001  (one broken page must not stop the others)
                log.exception("event callback failed")
