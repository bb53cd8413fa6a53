"""Persist what the flusher still holds before a worker process exits.

Endings of items are written behind (app.writebehind): on a clean stop (SIGTERM, a
deploy), this runs after Dramatiq has stopped the worker threads and before the process
exits. Dramatiq's worker processes leave through multiprocessing, which skips atexit
handlers, so this hook is the one that runs.
"""

from __future__ import annotations

from dramatiq.middleware import Middleware

from app import processing


class FlushEndings(Middleware):
    def after_worker_shutdown(self, broker, worker) -> None:
        processing.flush_endings()
