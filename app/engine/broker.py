"""Build the Dramatiq broker from settings.

A RedisBroker in both modes: over the real Redis when REDIS_URL is set, over an
in-process fakeredis otherwise, so the same Lua scripts and code paths run everywhere.
Each lane is its own queue (Redis queues have no priorities inside them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import dramatiq
import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import current_millis
from dramatiq.middleware import Retries

from app.engine.shares import lane_prefetch
from app.engine.writebehind import WriteBehind
from app.redis_client import build_client
from app.settings import LANES, NOTIFY_QUEUE, Settings, get_settings

# How soon a lane's consumer looks again while its threads hold all it prefetched.
FULL_POLL_S = 0.005
# How long the ack sender waits for more acks before it sends them.
ACK_LINGER_S = 0.002

# What the broker's dispatch script does for one ack (and the heartbeat every call of it
# beats), for many: a message leaves this worker's ack set and, if it was still there, the
# queue's message hash. KEYS: the ack set, the message hash, the heartbeats; ARGV: now,
# this broker's id, the message ids.
_ACK_MANY = """
redis.call("zadd", KEYS[3], ARGV[1], ARGV[2])
local acked = 0
for i = 3, #ARGV do
    if redis.call("srem", KEYS[1], ARGV[i]) > 0 then
        redis.call("hdel", KEYS[2], ARGV[i])
        acked = acked + 1
    end
end
return acked
"""


class LaneConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, but a full prefetch is not an idle queue.

    Dramatiq backs off the same way when a queue is empty and when this worker already
    holds `prefetch` of its messages: 5, 10, 20 ... up to worker_timeout ms, doubling at
    each look. Shortlist's threads hold a message a few milliseconds longer (its claim),
    so the critical lane's consumer was often found full, slept up to worker_timeout, and
    the threads took low-lane messages meanwhile (test_critical_items_overtake_a_low_
    backlog saw 27 low items done where 20 is the bound). While full it looks again every
    FULL_POLL_S, without backing off; an empty queue still backs off as before.
    """

    def __next__(self):
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            self.misses = 0
            time.sleep(FULL_POLL_S)
            return None
        message = super().__next__()
        if message is not None and self.broker.on_fetch is not None:
            self.broker.on_fetch(message)
        return message

    def requeue(self, messages):
        messages = list(messages)
        if self.broker.on_requeue is not None:
            self.broker.on_requeue(messages)
        super().requeue(messages)

    def ack(self, message):
        """Acknowledged in bulk by the broker's ack sender, a few milliseconds later.

        Dramatiq acks each message with a script call from the worker thread that ran
        it: a Redis round trip per message, a quarter of a worker's busy time on the
        bench. A message whose ack is lost (the process killed before it was sent) is
        delivered again when the worker is found dead, and skipped: its item ended.
        """
        self.queued_message_ids.discard(message.message_id)
        self.broker.acks.submit((self.queue_name, message.options["redis_message_id"]))


class LaneBroker(RedisBroker):
    """Its consumers tell `on_fetch` of each message fetched and `on_requeue` of the
    messages a stopping worker puts back unprocessed, before they are put back
    (actors.claim_ahead), and send their acks in bulk (LaneConsumer.ack)."""

    on_fetch: Callable[[MessageProxy], None] | None = None
    on_requeue: Callable[[list[MessageProxy]], None] | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._ack_many = self.client.register_script(_ACK_MANY)
        self.acks: WriteBehind[tuple[str, str], None] = WriteBehind(
            self._send_acks, lambda _: None, name="acks", linger_s=ACK_LINGER_S,
            max_group=1024, max_waiting=4096,
            retry_on=(redis.ConnectionError, redis.TimeoutError),
            if_lost="their messages are delivered again once this worker is gone")

    @property
    def consumer_class(self):
        return LaneConsumer

    def consume(self, queue_name, prefetch=1, timeout=5000):
        # A lane's hard pool (LANE_MAX_THREADS) is how many of its messages a process holds.
        return super().consume(queue_name, lane_prefetch(queue_name, prefetch), timeout)

    def _send_acks(self, acks: list[tuple[str, str]]) -> list[None]:
        by_queue: dict[str, list[str]] = {}
        for queue_name, message_id in acks:
            by_queue.setdefault(queue_name, []).append(message_id)
        for queue_name, message_ids in by_queue.items():
            self._ack_many(
                keys=[f"{self.namespace}:__acks__.{self.broker_id}.{queue_name}",
                      f"{self.namespace}:{queue_name}.msgs",
                      f"{self.namespace}:__heartbeats__"],
                args=[current_millis(), self.broker_id, *message_ids])
        return [None] * len(acks)

    def flush_acks(self, timeout_s: float = 10.0) -> bool:
        """Send the acks still waiting (a stopping worker, tests)."""
        return self.acks.flush(timeout_s)


def build_broker(settings: Settings, client=None,
                 broker_class: type[RedisBroker] | None = None) -> RedisBroker:
    """Shortlist's broker; `broker_class=RedisBroker` gives Dramatiq's own (the bench's
    baseline) with the same settings."""
    broker = (broker_class or LaneBroker)(
        client=client if client is not None else build_client(settings),
        namespace=settings.redis_namespace,
        heartbeat_timeout=settings.broker_heartbeat_timeout_ms,
        maintenance_chance=settings.broker_maintenance_chance,
    )
    # Our own Retries: bounded backoff from settings (Dramatiq's default waits up to 7 days).
    retries = Retries(
        max_retries=settings.max_attempts,
        min_backoff=settings.retry_min_backoff_ms,
        max_backoff=settings.retry_max_backoff_ms,
    )
    broker.middleware[:] = [
        retries if isinstance(m, Retries) else m for m in broker.middleware
    ]
    for lane in LANES:
        broker.declare_queue(lane)
    broker.declare_queue(NOTIFY_QUEUE)
    return broker


_current: dramatiq.Broker | None = None
_lock = threading.Lock()


def set_broker(broker: dramatiq.Broker | None) -> None:
    """Make `broker` this process's broker, explicitly (never bound at import).

    Serve, the worker entry point and tests call this; everything else asks get_broker().
    """
    global _current
    with _lock:
        _current = broker
        if broker is not None:
            dramatiq.set_broker(broker)


def get_broker() -> dramatiq.Broker:
    """This process's broker; built from settings on first use if nobody set one."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build_broker(get_settings())
                dramatiq.set_broker(_current)
    return _current


def queue_depths(broker: dramatiq.Broker | None = None) -> dict[str, int]:
    """Messages waiting per lane in the broker (ready plus delayed retries)."""
    broker = broker or get_broker()
    client = broker.client
    with client.pipeline(transaction=False) as pipe:
        for lane in LANES:
            pipe.llen(f"{broker.namespace}:{lane}")
            pipe.llen(f"{broker.namespace}:{lane}.DQ")
        counts = pipe.execute()
    return {lane: counts[2 * i] + counts[2 * i + 1] for i, lane in enumerate(LANES)}
