"""Stop a document parser that runs too long, without leaving the calling thread.

Workers run items in threads, so `signal.alarm` (main thread only) is out. Instead a
watchdog timer raises an exception inside the calling thread with
`PyThreadState_SetAsyncExc`, the way Dramatiq's TimeLimit middleware does. The exception
arrives at the next Python bytecode, so it interrupts pure-Python parsers (the Word, RTF
and HTML readers) but not a long C call; the C-level work of Word files (XML and zlib) is
bounded before it starts instead (see `word.py`). PDFium, all C, is stopped from outside:
the workers read documents in child processes that are killed at their hard time limit
(app.engine.readers).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

from app.analysis.errors import ReadingLimit

from . import messages

T = TypeVar("T")


class _Expired(BaseException):
    """Raised asynchronously in the worker thread when its time is up.

    A BaseException so that parsers' own `except Exception` fallbacks cannot swallow it.
    """


class _Watchdog:
    def __init__(self, thread_id: int) -> None:
        self._thread_id = thread_id
        self._lock = threading.Lock()
        self._disarmed = False
        self.fired = False

    def fire(self) -> None:
        with self._lock:
            if self._disarmed:
                return
            self.fired = True
            _set_async_exc(self._thread_id, _Expired)

    def disarm(self) -> None:
        with self._lock:
            self._disarmed = True
            if self.fired:
                # The exception may still be pending if it fired just as the work ended;
                # clear it so it cannot go off later in unrelated code of this thread.
                _set_async_exc(self._thread_id, None)


def run_with_time_limit(work: Callable[[], T], seconds: float | None) -> T:
    """Run `work()` in this thread; raise ReadingLimit if it takes over `seconds`.

    `None`, zero or a negative limit means no limit.
    """
    if not seconds or seconds <= 0 or seconds == float("inf"):
        return work()
    watchdog = _Watchdog(threading.get_ident())
    timer = threading.Timer(seconds, watchdog.fire)
    timer.daemon = True
    try:
        try:
            timer.start()
            return work()
        finally:
            watchdog.disarm()
            timer.cancel()
    except _Expired:
        raise ReadingLimit(messages.too_slow(seconds)) from None


def _set_async_exc(thread_id: int, exc_type: type[BaseException] | None) -> None:
    target = ctypes.c_ulong(thread_id)
    payload = ctypes.py_object(exc_type) if exc_type is not None else None
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(target, payload)
    if changed > 1:  # pragma: no cover - cannot happen for a valid thread id; undo it
        ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)
