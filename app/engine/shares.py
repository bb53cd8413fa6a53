"""Lanes share a worker's threads by weight: the one home of that rule.

Dramatiq puts every message a worker process fetched into one priority queue, and its
threads take the lowest actor priority first: with the lanes' priorities, the top lane
ran strictly first and a busy `critical` starved `low` for as long as it had work. Here
each thread's next message comes from the lanes by stride scheduling instead: a lane's
"pass" grows by 1/weight each time a thread takes one of its messages, and the lane with
work fetched and the smallest pass goes next. With `critical` 8 and `low` 1 both busy, a
process starts 8 critical messages for each low one; a lane with nothing fetched is
skipped (it lends its share), and one that comes back starts from the current pass
instead of a credit saved while it was idle. Within a lane, actor priority then arrival
order decide, as Dramatiq does (a batch's finalize message before its items).

The share is of starts, not of time: items of one kind take similar times. Hard pools,
where an operator wants them, cap how many messages of a lane a process holds at once
(`LANE_MAX_THREADS`, LaneBroker.consume): running or waiting, so a capped lane never
holds more threads than its cap.
"""

from __future__ import annotations

import heapq
import queue
from collections.abc import Mapping

from dramatiq.middleware import Middleware

from app.settings import get_settings


class LaneWorkQueue(queue.Queue):
    """A drop-in for the worker's PriorityQueue of `_WorkQueueItem`s (priority, message):
    Queue's own lock and conditions, with the choice of the next item by lane weight."""

    def __init__(self, weights: Mapping[str, int]) -> None:
        self.weights = {lane: max(1, int(w)) for lane, w in weights.items()}
        super().__init__()

    # queue.Queue's documented hooks, called with its mutex held.
    def _init(self, maxsize: int) -> None:
        self.lanes: dict[str, list] = {}
        self.passes: dict[str, float] = {}
        self.now = 0.0  # the pass of the lane that went last
        self.count = 0

    def _qsize(self) -> int:
        return self.count

    def _put(self, item) -> None:
        lane = item.message.queue_name
        heap = self.lanes.setdefault(lane, [])
        if not heap:  # back from idle: no credit for the time it had nothing
            self.passes[lane] = max(self.passes.get(lane, 0.0), self.now)
        heapq.heappush(heap, item)
        self.count += 1

    def _get(self):
        # Ties go to the heavier lane, then to its first item's priority.
        lane = min((name for name, heap in self.lanes.items() if heap),
                   key=lambda name: (self.passes[name], -self.weight(name),
                                     self.lanes[name][0]))
        item = heapq.heappop(self.lanes[lane])
        self.count -= 1
        self.now = self.passes[lane]
        self.passes[lane] += 1.0 / self.weight(lane)
        return item

    def weight(self, lane: str) -> int:
        return self.weights.get(lane, 1)


class LaneShares(Middleware):
    """Gives each worker its LaneWorkQueue before its threads and consumers exist."""

    def __init__(self, weights: Mapping[str, int] | None = None) -> None:
        self.weights = dict(weights if weights is not None else get_settings().lane_weights)

    def before_worker_boot(self, broker, worker) -> None:
        worker.work_queue = LaneWorkQueue(self.weights)


def install(broker, weights: Mapping[str, int] | None = None) -> None:
    if not any(isinstance(m, LaneShares) for m in broker.middleware):
        broker.add_middleware(LaneShares(weights))


def lane_prefetch(lane: str, prefetch: int) -> int:
    """How many messages of `lane` one worker process may hold: its hard pool, if any."""
    cap = get_settings().lane_max_threads.get(lane)
    return prefetch if cap is None else max(1, min(prefetch, cap))
