"""Server-sent events of one batch's progress, from one shared event listener per process.

A stream first sends the batch's current state, read from the database, then follows the
progress events workers publish (app.engine.events), filtered to that batch, and ends with an
`end` event once the batch has finished and its summary and reports are written (or
FINALIZE_WAIT_S after it finished, whichever comes first). Comments (`: keep-alive`)
keep idle connections open through proxies.

The listener is started lazily by the first stream of the process and shared by all
(`hub`). Events may arrive out of order; each carries absolute counts, and a stream sends
only the most advanced state. A state that goes backwards (a retry restarts the counts,
or an event arrived late) makes that stream read the batch once from the database; so
does a long silence, as a safety net for a lost final event. There is no other polling.

Streams are capped per process (API_SSE_MAX_STREAMS, then 503) and per user
(API_SSE_MAX_STREAMS_PER_USER, then 429), so one client cannot take every slot. A stream
outlives the request that authenticated it, so at least once per keep-alive interval,
before it writes anything, it asks the database once whether its token is still valid
and its user may still read the batch; if not it sends `event: error` and closes.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from app.accounts import users
from app.accounts.permissions import check_read
from app.engine import batches, events
from app.errors import NotFound, PermissionDenied
from app.models import BATCH_FINISHED, Batch, ItemStatus, User
from app.settings import Settings, get_settings
from ui.api.auth import CallerDep
from ui.api.config import setting
from ui.api.errors import RateLimited, Unavailable
from ui.api.openapi import errors_doc

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
        "event": {"type": "string", "enum": ["progress", "end", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"oneOf": [{"$ref": "#/components/schemas/ProgressEvent"},
                                             {"$ref": "#/components/schemas/ErrorBody"}]}},
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


class Slot:
    """One open stream's place in the counts; released once, however the stream ends."""

    def __init__(self, hub: BatchEvents, user_id: int) -> None:
        self.hub, self.user_id, self.released = hub, user_id, False

    def release(self) -> None:
        self.hub._release(self)


class BatchEvents:
    def __init__(self, listener_factory: Callable[[], events.Listener] = events.Listener) -> None:
        self._factory = listener_factory
        self._lock = threading.Lock()
        self._listener: events.Listener | None = None
        self._settings: Settings | None = None
        self._subscribers: dict[str, set[Subscription]] = {}
        self.open_streams = 0
        self._open_by_user: dict[int, int] = {}

    def reserve(self, user_id: int, max_streams: int, max_per_user: int) -> Slot:
        """A place for one more stream of `user_id`, taken before the response starts (its
        body runs later, so counting there would let a burst of requests past the caps)."""
        with self._lock:
            if self.open_streams >= max_streams:
                raise Unavailable("Too many event streams are open right now; try again"
                                  " shortly.", retry_after_s=5)
            if self._open_by_user.get(user_id, 0) >= max_per_user:
                raise RateLimited(
                    f"You already have {max_per_user} event streams open, the most one"
                    " account may have at once. Close one and try again.", retry_after_s=5)
            self.open_streams += 1
            self._open_by_user[user_id] = self._open_by_user.get(user_id, 0) + 1
        return Slot(self, user_id)

    def _release(self, slot: Slot) -> None:
        with self._lock:
            if slot.released:
                return
            slot.released = True
            self.open_streams -= 1
            left = self._open_by_user.get(slot.user_id, 1) - 1
            if left > 0:
                self._open_by_user[slot.user_id] = left
            else:
                self._open_by_user.pop(slot.user_id, None)

    def streams_of(self, user_id: int) -> int:
        with self._lock:
            return self._open_by_user.get(user_id, 0)

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


TOKEN_GONE = ("This API token is no longer valid: it was revoked, or its account was"
              " deactivated. The stream is closed.")


def _read(user: User, batch_id: uuid.UUID) -> State:
    return State.of_batch(batches.get_batch(user, batch_id))


def _still_allowed(token_hash: str, batch: Batch) -> tuple[User | None, dict[str, Any]]:
    """The token's user if they may still read the batch, else the error to close with."""
    user = users.token_holder(token_hash)
    if user is None:
        return None, {"error": {"code": "unauthorized", "message": TOKEN_GONE}}
    try:
        check_read(user, batch)  # the role may have changed; the owner does not
    except (NotFound, PermissionDenied) as exc:
        return None, {"error": {"code": exc.code, "message": exc.message}}
    return user, {}


async def follow(user: User, token_hash: str, batch: Batch, slot: Slot) -> AsyncIterator[str]:
    keepalive_s = float(setting("api_sse_keepalive_s"))
    batch_id = batch.id
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
        last_sent = last_news = checked_at = now
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
            if now >= checked_at + keepalive_s:
                # Before anything is written: one small query per interval, however busy.
                checked_at = now
                fresh_user, closing = await run_in_threadpool(_still_allowed, token_hash, batch)
                if fresh_user is None:
                    yield frame("error", closing, event_id + 1)
                    return
                user = fresh_user
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
        slot.release()


class EventStream(StreamingResponse):
    """Gives the stream's slot back even if its body never started (the client left)."""

    def __init__(self, body: AsyncIterator[str], slot: Slot) -> None:
        super().__init__(body, media_type="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


router = APIRouter(tags=["batches"])


@router.get(
    "/batches/{batch_id}/events",
    summary="Follow a batch's progress (server-sent events)",
    description=(
        "A `text/event-stream`: first `event: progress` with the current state, then one"
        " per change, then `event: end` when the batch has finished and its reports are"
        " written; the server then closes the stream. Lines starting with `:` are"
        " keep-alive comments. Each event's `data` is a JSON ProgressEvent. If the token"
        " is revoked (or its account deactivated) meanwhile, the stream sends `event:"
        " error` with an error body and closes, within one keep-alive interval. Each"
        " user may have API_SSE_MAX_STREAMS_PER_USER streams open at once (then 429)."
    ),
    response_class=StreamingResponse,
    responses={200: {"description": "The event stream.", "content": {
        "text/event-stream": {"itemSchema": EVENT_SCHEMA}}},
        **errors_doc(401, 403, 404, 422, 429, 503)},
)
async def batch_events(batch_id: uuid.UUID, caller: CallerDep) -> StreamingResponse:
    user = caller.user
    slot = hub.reserve(user.id, int(setting("api_sse_max_streams")),
                       int(setting("api_sse_max_streams_per_user")))
    try:
        # 404 before the stream starts
        batch = await run_in_threadpool(batches.get_batch, user, batch_id)
        listener = await run_in_threadpool(hub.listener)
        await run_in_threadpool(listener.ready.wait, LISTENER_READY_S)
    except BaseException:
        slot.release()
        raise
    return EventStream(follow(user, caller.token_hash, batch, slot), slot)
