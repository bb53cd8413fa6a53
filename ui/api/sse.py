"""Server-sent events of one batch's progress, from one shared event listener per process.

A stream first sends the batch's current state, read from the database, then follows the
progress events workers publish (app.events), filtered to that batch, and ends with an
`end` event once the batch has finished and its summary and reports are written (or
FINALIZE_WAIT_S after it finished, whichever comes first). Comments (`: keep-alive`)
keep idle connections open through proxies.

The listener is started lazily by the first stream of the process and shared by all
(`hub`). Events may arrive out of order; each carries absolute counts, and a stream sends
only the most advanced state. A state that goes backwards (a retry restarts the counts,
or an event arrived late) makes that stream read the batch once from the database; so
does a long silence, as a safety net for a lost final event. There is no other polling.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app import batches, events
from app.errors import NotFound
from app.models import BATCH_FINISHED, Batch, ItemStatus, User
from app.settings import Settings, get_settings
from ui.api.auth import UserDep
from ui.api.config import setting
from ui.api.errors import Unavailable
from ui.api.openapi import errors_doc

log = logging.getLogger("shortlist.api.sse")

FINISHED = {s.value for s in BATCH_FINISHED}
COUNTS = [s.value for s in ItemStatus]
FINALIZE_WAIT_S = 30.0
VERIFY_AFTER_SILENCE_S = 60.0
VERIFY_MIN_INTERVAL_S = 1.0
LISTENER_READY_S = 3.0


# --- The state a stream shows --------------------------------------------------------


@dataclass(frozen=True)
class State:
    batch_id: str
    status: str
    lane: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    finalized: bool = False

    @property
    def progress(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("done", "failed", "cancelled"))

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def rank(self) -> tuple[int, bool, bool]:
        return self.progress, self.finished, self.finalized

    @classmethod
    def of_batch(cls, batch: Batch) -> State:
        return cls(batch_id=str(batch.id), status=batch.status, lane=batch.lane,
                   total=batch.total, counts={k: getattr(batch, f"n_{k}") for k in COUNTS},
                   finalized=batch.summary is not None and batch.status in FINISHED)

    @classmethod
    def of_event(cls, event: dict[str, Any]) -> State:
        counts = event.get("counts") or {}
        return cls(batch_id=str(event["batch_id"]), status=str(event["status"]),
                   lane=str(event.get("lane", "")), total=int(event.get("total") or 0),
                   counts={k: int(counts.get(k, 0)) for k in COUNTS},
                   finalized=bool(event.get("finalized")))

    def data(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "status": self.status, "lane": self.lane,
                "total": self.total, "counts": self.counts, "finished": self.finished,
                "finalized": self.finalized}


def merge(current: State, incoming: State) -> State | None:
    """The state to show after `incoming`, or None to keep `current` (stale or no news)."""
    if incoming.progress < current.progress:
        return None
    if incoming.rank < current.rank:
        return None
    if incoming.finished and current.finalized and incoming.progress == current.progress:
        incoming = replace(incoming, finalized=True)
    return None if incoming == current else incoming


def frame(event: str, data: dict[str, Any], event_id: int, retry_ms: int | None = None) -> str:
    retry = f"retry: {retry_ms}\n" if retry_ms else ""
    body = json.dumps(data, separators=(",", ":"))
    return f"{retry}id: {event_id}\nevent: {event}\ndata: {body}\n\n"


# Each event as OpenAPI 3.2 describes server-sent events (FastAPI's form of it).
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["progress", "end"]},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"$ref": "#/components/schemas/ProgressEvent"}},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


# --- One listener per process, fanned out by batch ------------------------------------


class Subscription:
    """One stream's inbox: events of its batch, handed from the listener thread to its loop."""

    def __init__(self, hub: BatchEvents, batch_id: str, loop: asyncio.AbstractEventLoop) -> None:
        self.hub, self.batch_id, self.loop = hub, batch_id, loop
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)

    def offer(self, event: dict[str, Any]) -> None:
        try:
            self.loop.call_soon_threadsafe(self._put, event)
        except RuntimeError:  # the loop is closed: the stream is gone
            pass

    def _put(self, event: dict[str, Any]) -> None:
        if self.queue.full():  # a slow client: drop the oldest, the newest matters
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    def close(self) -> None:
        self.hub.remove(self)


class BatchEvents:
    def __init__(self, listener_factory: Callable[[], events.Listener] = events.Listener) -> None:
        self._factory = listener_factory
        self._lock = threading.Lock()
        self._listener: events.Listener | None = None
        self._settings: Settings | None = None
        self._subscribers: dict[str, set[Subscription]] = {}
        self.open_streams = 0

    def listener(self) -> events.Listener:
        """The process's listener, started on first use (and again if settings changed)."""
        settings = get_settings()
        stale = None
        with self._lock:
            if self._listener is None or self._settings is not settings:
                stale = self._listener
                self._listener = self._factory()
                self._listener.subscribe(self._receive)
                self._listener.start()
                self._settings = settings
            listener = self._listener
        if stale is not None:
            stale.stop()
        return listener

    def subscribe(self, batch_id: str) -> Subscription:
        subscription = Subscription(self, batch_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(batch_id, set()).add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            subs = self._subscribers.get(subscription.batch_id)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subscribers[subscription.batch_id]

    def subscribers(self, batch_id: str) -> int:
        with self._lock:
            return len(self._subscribers.get(batch_id, ()))

    def _receive(self, event: dict[str, Any]) -> None:
        with self._lock:
            subs = list(self._subscribers.get(str(event.get("batch_id", "")), ()))
        for subscription in subs:
            subscription.offer(event)

    def stop(self) -> None:
        with self._lock:
            listener, self._listener, self._settings = self._listener, None, None
        if listener is not None:
            listener.stop()


hub = BatchEvents()


# --- The stream ----------------------------------------------------------------------


def _read(user: User, batch_id: uuid.UUID) -> State:
    return State.of_batch(batches.get_batch(user, batch_id))


async def follow(user: User, batch_id: uuid.UUID) -> AsyncIterator[str]:
    keepalive_s = float(setting("api_sse_keepalive_s"))
    hub.open_streams += 1
    subscription = hub.subscribe(str(batch_id))
    state: State | None = None
    event_id = 0
    try:
        # Subscribed first, then read: nothing published in between is missed.
        state = await run_in_threadpool(_read, user, batch_id)
        event_id += 1
        yield frame("progress", state.data(), event_id, retry_ms=3000)
        now = time.monotonic()
        finished_at = now if state.finished else None
        last_sent = last_news = now
        last_verify = now - VERIFY_MIN_INTERVAL_S
        verify_at: float | None = None  # when to read the database once
        while not (state.finished and state.finalized):
            now = time.monotonic()
            if finished_at is not None and now >= finished_at + FINALIZE_WAIT_S:
                break  # the reports are late: end anyway
            due = [last_sent + keepalive_s, last_news + VERIFY_AFTER_SILENCE_S]
            if finished_at is not None:
                due.append(finished_at + FINALIZE_WAIT_S)
            if verify_at is not None:
                due.append(verify_at)
            try:
                event = await asyncio.wait_for(subscription.queue.get(),
                                               timeout=max(0.0, min(due) - now))
            except TimeoutError:
                event = None
            now = time.monotonic()
            merged = None
            if event is not None:
                last_news = now
                try:
                    incoming = State.of_event(event)
                except (KeyError, TypeError, ValueError):
                    incoming = None
                if incoming is not None:
                    merged = merge(state, incoming)
                    if merged is None and incoming.progress < state.progress:
                        # A retry restarts the counts; a late event looks the same: ask.
                        verify_at = verify_at or max(now, last_verify + VERIFY_MIN_INTERVAL_S)
            elif now >= last_news + VERIFY_AFTER_SILENCE_S:
                # A long silence: read the database once, in case an event was lost.
                last_news, verify_at = now, verify_at or now
            if merged is None and verify_at is not None and now >= verify_at:
                last_verify, verify_at = now, None
                fresh = await run_in_threadpool(_read, user, batch_id)
                merged = fresh if fresh != state else None
            if merged is not None:
                state = merged
                event_id += 1
                last_sent = now
                yield frame("progress", state.data(), event_id)
                finished_at = (finished_at or now) if state.finished else None
            elif now >= last_sent + keepalive_s:
                last_sent = now
                yield ": keep-alive\n\n"
        event_id += 1
        yield frame("end", state.data(), event_id)
    except NotFound:  # deleted meanwhile (retention), or no longer visible to the caller
        if state is not None:
            yield frame("end", state.data(), event_id + 1)
    finally:
        subscription.close()
        hub.open_streams -= 1


router = APIRouter(tags=["batches"])


@router.get(
    "/batches/{batch_id}/events",
    summary="Follow a batch's progress (server-sent events)",
    description=(
        "A `text/event-stream`: first `event: progress` with the current state, then one"
        " per change, then `event: end` when the batch has finished and its reports are"
        " written; the server then closes the stream. Lines starting with `:` are"
        " keep-alive comments. Each event's `data` is a JSON ProgressEvent."
    ),
    response_class=StreamingResponse,
    responses={200: {"description": "The event stream.", "content": {
        "text/event-stream": {"itemSchema": EVENT_SCHEMA}}},
        **errors_doc(401, 403, 404, 422, 503)},
)
async def batch_events(batch_id: uuid.UUID, user: UserDep) -> StreamingResponse:
    if hub.open_streams >= int(setting("api_sse_max_streams")):
        raise Unavailable("Too many event streams are open right now; try again shortly.",
                          retry_after_s=5)
    await run_in_threadpool(batches.get_batch, user, batch_id)  # 404 before the stream starts
    listener = await run_in_threadpool(hub.listener)
    await run_in_threadpool(listener.ready.wait, LISTENER_READY_S)
    return StreamingResponse(follow(user, batch_id), media_type="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
