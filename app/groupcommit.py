"""Group commit: the threads of one process share their database statements.

Every claim and every finish of a batch's item updates that batch's row, so one statement
per item serialises a batch at the speed of one row lock (about 900 items a second on the
development machine). Here a thread that wants a statement run joins a queue; if no
statement is in flight it leads: it takes everything queued, runs one statement for all
of it, hands each request its own result, and passes the lead to the next thread waiting.
Alone, a thread runs its own statement at once (no timer, no added latency); under load,
the requests that arrive while a statement runs share the next one.

`execute(requests)` returns one result per request, in order, or raises: then every
request of that group gets the exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")

MAX_GROUP = 64
_UNSET = object()


class _Slot(Generic[Req, Res]):
    __slots__ = ("request", "result", "error", "ready", "group")

    def __init__(self, request: Req) -> None:
        self.request = request
        self.result: object = _UNSET
        self.error: BaseException | None = None
        self.ready = threading.Event()
        # Set when this slot's thread must run a group: the group, taken off the queue.
        self.group: list[_Slot[Req, Res]] | None = None


class GroupCommit(Generic[Req, Res]):
    def __init__(self, execute: Callable[[Sequence[Req]], Sequence[Res]],
                 max_group: int = MAX_GROUP, max_concurrent: int = 1) -> None:
        self._execute = execute
        self._max_group = max_group
        # Groups that may run at once (each needs its own connection in `execute`).
        self._max_concurrent = max_concurrent
        self._lock = threading.Lock()
        self._waiting: list[_Slot[Req, Res]] = []
        self._leading = 0
        # For the benchmark and tests: how many statements ran, for how many requests.
        self.statements = 0
        self.requests = 0

    def __call__(self, request: Req) -> Res:
        slot: _Slot[Req, Res] = _Slot(request)
        with self._lock:
            self._waiting.append(slot)
            if self._leading < self._max_concurrent:
                self._leading += 1
                slot.group = self._take()
        if slot.group is None:
            # Woken either with a result, or to lead the next group (slot.group set).
            slot.ready.wait()
        if slot.group is not None:
            self._run_group(slot.group)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _take(self) -> list[_Slot[Req, Res]]:
        """The next group, off the queue (under the lock): no slot is in two groups."""
        group = self._waiting[:self._max_group]
        del self._waiting[:self._max_group]
        return group

    def _run_group(self, group: list[_Slot[Req, Res]]) -> None:
        try:
            results = self._execute([s.request for s in group])
            if len(results) != len(group):
                raise AssertionError("a group statement returned the wrong number of results")
            for slot, result in zip(group, results):
                slot.result = result
        except BaseException as exc:  # noqa: BLE001  (each waiting thread re-raises it)
            for slot in group:
                slot.error = exc
        finally:
            # Even if an asynchronous exception (Dramatiq's time limit or shutdown) hit
            # this thread mid-way, the others wake and the lead moves on.
            for slot in group:
                slot.group = None
                if slot.result is _UNSET and slot.error is None:
                    slot.error = GroupInterrupted()
            with self._lock:
                self.statements += 1
                self.requests += len(group)
                following = self._take() if self._waiting else None
                if following is not None:
                    following[0].group = following  # its thread runs it when it wakes
                else:
                    self._leading -= 1
            for slot in group:
                slot.ready.set()
            if following is not None:
                following[0].ready.set()


class GroupInterrupted(Exception):
    """The thread running this group's statement was interrupted before it had the result.

    The statement may have run: every transition is guarded, so what it changed is either
    seen by a retry or repaired by the lease sweep.
    """
