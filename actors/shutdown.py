"""Persist what the flusher still holds before a worker process exits.

Endings of items are written behind (app.writebehind). On a clean stop (SIGTERM, a
deploy) Dramatiq stops the worker threads and then emits after_worker_shutdown: that
flushes. Dramatiq's worker processes leave through multiprocessing, which skips atexit
handlers, and a second SIGTERM (a signal to the whole process group reaches a worker
process twice) makes dramatiq exit before after_worker_shutdown: a multiprocessing
finalizer, which runs on that way out too, flushes then.
"""

from __future__ import annotations

import multiprocessing.util
import os

from dramatiq.middleware import Middleware

from app import processing

EXIT_FLUSH_S = 5.0


class FlushEndings(Middleware):
    def __init__(self) -> None:
        self._finalizer_pid = 0

    def after_worker_boot(self, broker, worker) -> None:
        if self._finalizer_pid != os.getpid():
            self._finalizer_pid = os.getpid()
            multiprocessing.util.Finalize(None, processing.flush_endings,
                                          args=(EXIT_FLUSH_S,), exitpriority=10)

    def after_worker_shutdown(self, broker, worker) -> None:
        processing.flush_endings()
