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

from app.redis_client import build_client, key
from app.settings import get_settings

log = logging.getLogger("shortlist.events")

_client = None
_client_lock = threading.Lock()


def _get_client():
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = build_client(get_settings())
    return _client


def reset() -> None:
    """Forget the client (tests switch servers)."""
    global _client
    _client = None


def publish(event: dict[str, Any]) -> None:
    """Best effort: progress display must never fail an item."""
    event = {**event, "at": time.time()}
    try:
        _get_client().publish(key("events"), json.dumps(event, separators=(",", ":")))
    except Exception as exc:  # noqa: BLE001  (Redis down: the page catches up later)
        log.warning("could not publish event for batch %s: %s", event.get("batch_id"), exc)


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
