"""Persist what the flusher still holds before a worker process exits; one stop is one
SIGTERM.

Endings of items are written behind (app.engine.writebehind), and acks are sent in bulk
(app.engine.broker.LaneConsumer.ack). On a clean stop (SIGTERM, a
deploy) Dramatiq stops the worker threads and then emits after_worker_shutdown: that
flushes. Dramatiq's worker processes leave through multiprocessing, which skips atexit
handlers, and a deliberate second SIGTERM ("kill now") makes dramatiq exit before
after_worker_shutdown: a multiprocessing finalizer, which runs on that way out too,
flushes then.

A SIGTERM sent to the whole process group (`kill -TERM -PGID`, a Heroku-style host, a
supervisor stopping a process group) reaches a worker process twice: once itself, once
forwarded by dramatiq's main process. Dramatiq takes a second SIGTERM as "kill now", so
the running items were not handed back and waited for their leases to expire. A second
SIGTERM within DUPLICATE_SIGTERM_S of the first is taken as the same stop; one sent
later still kills at once.
"""

from __future__ import annotations

import multiprocessing.util
import os
import signal
import threading
import time
from collections.abc import Callable

from dramatiq.middleware import Middleware

from app.engine import processing, readers
from app.engine.broker import LaneBroker

EXIT_FLUSH_S = 5.0
DUPLICATE_SIGTERM_S = 2.0


def ignore_duplicate_sigterm(handler: Callable, window_s: float = DUPLICATE_SIGTERM_S,
                             clock: Callable[[], float] = time.monotonic) -> Callable:
    """`handler`, called for the first SIGTERM and for any that comes window_s after it."""
    first: list[float] = []

    def on_sigterm(signum, frame):
        now = clock()
        if first and now - first[0] < window_s:
            return  # the same stop, delivered twice
        first[:] = [now]
        handler(signum, frame)

    return on_sigterm


def _guard_dramatiq_sigterm() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # an embedded worker: signals are its host's business
    current = signal.getsignal(signal.SIGTERM)
    # Only dramatiq's own worker-process handler (the CLI's), and only once.
    if callable(current) and getattr(current, "__module__", "") == "dramatiq.cli":
        signal.signal(signal.SIGTERM, ignore_duplicate_sigterm(current))


class FlushEndings(Middleware):
    def __init__(self) -> None:
        self._finalizer_pid = 0

    def after_worker_boot(self, broker, worker) -> None:
        _guard_dramatiq_sigterm()
        if self._finalizer_pid != os.getpid():
            self._finalizer_pid = os.getpid()
            multiprocessing.util.Finalize(None, _flush, args=(broker, EXIT_FLUSH_S),
                                          exitpriority=10)

    def after_worker_shutdown(self, broker, worker) -> None:
        _flush(broker)
        readers.shutdown()  # the document reader processes (started on first use)


def _flush(broker, timeout_s: float = 30.0) -> None:
    processing.flush_endings(timeout_s)
    if isinstance(broker, LaneBroker):
        broker.flush_acks(timeout_s)
