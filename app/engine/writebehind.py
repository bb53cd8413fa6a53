"""Write-behind: a worker thread hands an item's end to one background thread and moves on.

One flusher thread per process persists endings in groups. A caller either waits for its
ending's result (`call`: retries, hand-backs, the lease sweep need it) or does not
(`submit`: an item that is done, failed or cancelled), in which case the flusher itself
runs `on_result` with it (send the released items, publish, finalize).

Persisting an ending (app.engine.processing) cost a worker thread two waits per item, the
finish statement and the send of the released items, about half of an item's time on
the development machine. Here the thread queues the ending and returns, so Dramatiq
acks the message and the thread takes the next one; one flusher thread per process
persists whatever has queued meanwhile in one group (one statement), then sends,
publishes and finalizes.

What this trades: the message is acked a few milliseconds before its item's end is
committed. If the process dies in between (SIGKILL, a crash), the database still shows
the item running under its lease; the lease sweep puts it back to queued when the lease
expires and it is processed again, as at-least-once delivery allows. Nothing is lost
and nothing is counted twice (the finish is fenced by the attempt number). A clean stop
(SIGTERM, interpreter exit) flushes first.

A flusher may linger a moment before it takes each group (`linger_s`), so that the group
is larger and the statements fewer.

Backpressure: at most `max_waiting` endings wait; beyond that, worker threads block
until the flusher catches up (the database is slow or down), so memory stays bounded
and the unflushed window stays small.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

import sqlalchemy.exc

log = logging.getLogger("shortlist.writebehind")
Req = TypeVar("Req")
Res = TypeVar("Res")

RETRY_BACKOFF_S = (0.1, 0.5, 1.0, 2.0, 5.0)


class WriteBehind(Generic[Req, Res]):
    def __init__(self, flush_group: Callable[[Sequence[Req]], Sequence[Res]],
                 on_result: Callable[[Res], None], *, name: str, max_group: int = 256,
                 max_waiting: int = 512, linger_s: float = 0.0,
                 retry_on: tuple[type[BaseException], ...] = (
                     sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError),
                 if_lost: str = "their leases will expire and the lease sweep requeues them",
                 ) -> None:
        self._flush_group = flush_group
        self._on_result = on_result
        self._name = name
        self._max_group = max_group
        self._max_waiting = max_waiting
        self._linger_s = linger_s
        self._hurry = threading.Event()  # set while someone flushes: linger no more
        self._retry_on = retry_on
        self._if_lost = if_lost  # what happens to a group given up on, for the log
        self._cond = threading.Condition()
        self._waiting: list[tuple[Req, Future | None]] = []
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        # For the benchmark and tests: how many groups were flushed, for how many requests.
        self.groups = 0
        self.requests = 0
        atexit.register(self.flush)

    def submit(self, request: Req) -> None:
        """Queue `request`; the flusher persists it and runs on_result with its result."""
        self._enqueue(request, None)

    def call(self, request: Req) -> Res:
        """Persist `request` with the next group and return its result (or raise)."""
        return self.call_soon(request).result()

    def call_soon(self, request: Req) -> Future[Res]:
        """Queue `request` with the next group; its result (or error) arrives in the
        future, which the caller may collect later (a claim made ahead of its item)."""
        future: Future[Res] = Future()
        self._enqueue(request, future)
        return future

    def _enqueue(self, request: Req, waiter: Future | None) -> None:
        with self._cond:
            while len(self._waiting) >= self._max_waiting and waiter is None:
                self._cond.wait()
            self._waiting.append((request, waiter))
            self._ensure_thread()
            self._cond.notify_all()

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until everything submitted so far is persisted; False on timeout."""
        deadline = time.monotonic() + timeout_s
        self._hurry.set()
        try:
            return self._wait_flushed(deadline)
        finally:
            self._hurry.clear()

    def _wait_flushed(self, deadline: float) -> bool:
        with self._cond:
            if self._pid != os.getpid():
                return not self._waiting
            while self._waiting or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("%s: %d requests not yet flushed at the flush deadline",
                                self._name, len(self._waiting) + self._in_flight)
                    return False
                self._cond.wait(left)
        return True

    def _ensure_thread(self) -> None:
        # A forked worker process starts its own flusher (threads do not survive a fork).
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            if self._pid != os.getpid():
                self._in_flight = 0
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            if self._linger_s and len(self._waiting) < self._max_group // 2:
                # Let the group grow: a group's statement costs about the same for 5
                # requests as for 20.
                self._hurry.wait(self._linger_s)
            with self._cond:
                while not self._waiting:
                    self._cond.wait()
                group = self._waiting[:self._max_group]
                del self._waiting[:len(group)]
                self._in_flight = len(group)
                self._cond.notify_all()  # room for blocked submitters
            try:
                self._flush(group)
            finally:
                with self._cond:
                    self._in_flight = 0
                    self.groups += 1
                    self.requests += len(group)
                    self._cond.notify_all()

    def _flush(self, group: list[tuple[Req, Future | None]]) -> None:
        try:
            results = self._persist([request for request, _ in group])
        except BaseException as exc:  # noqa: BLE001  (waiting callers re-raise it)
            for _, waiter in group:
                if waiter is not None:
                    waiter.set_exception(exc)
            return
        for (_, waiter), result in zip(group, results):
            if waiter is not None:
                waiter.set_result(result)
                continue
            try:
                self._on_result(result)
            except Exception:  # noqa: BLE001  (one ending must not stop the others)
                log.exception("%s: could not complete a persisted ending", self._name)

    def _persist(self, requests: list[Req]) -> Sequence[Res]:
        for attempt in range(len(RETRY_BACKOFF_S) + 1):
            try:
                results = self._flush_group(requests)
                if len(results) != len(requests):
                    raise AssertionError("a group returned the wrong number of results")
                return results
            except self._retry_on as exc:
                # The database (or Redis) is unreachable: keep the group, try again shortly.
                if attempt == len(RETRY_BACKOFF_S):
                    log.error("%s: gave up on %d requests (%s); %s",
                              self._name, len(requests), exc, self._if_lost)
                    raise
                log.warning("%s: could not flush %d requests (%s); retrying",
                            self._name, len(requests), exc)
                time.sleep(RETRY_BACKOFF_S[attempt])
            except Exception:
                log.exception("%s: could not flush %d requests; %s",
                              self._name, len(requests), self._if_lost)
                raise
        raise AssertionError("unreachable")
