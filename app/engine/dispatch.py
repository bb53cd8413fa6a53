"""Send messages to the broker by actor name: `app` never imports the actors.

Each lane is a queue with its own item actor (actor priority orders what a worker has
fetched: critical first). Dramatiq has no bulk enqueue, and one round trip per message
caps submission at a few thousand per second: many messages go to Redis in bulk, laid out
as the broker's own enqueue script lays them out (send_many).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from app.db import get_engine
from app.engine import counters, transitions
from app.engine.broker import get_broker
from app.models import ItemStatus, utcnow
from app.settings import LANES, NOTIFY_QUEUE

log = logging.getLogger("shortlist.dispatch")

LANE_PRIORITY = {"critical": 0, "high": 10, "normal": 50, "low": 100}
FINALIZE_ACTOR = "finalize_batch"
NOTIFY_ACTOR = "deliver_notification"
PIPELINE_CHUNK = 1000

ITEM_ACTOR_PREFIX = "process_item_"


def item_actor_name(lane: str) -> str:
    return f"{ITEM_ACTOR_PREFIX}{lane}"


def _message(actor_name: str, lane: str, args: tuple, **options) -> dramatiq.Message:
    return dramatiq.Message(queue_name=lane, actor_name=actor_name, args=args, kwargs={},
                            options=options)


def send_items(lane: str, item_ids: Iterable[int]) -> int:
    """Enqueue one message per item on the lane's queue, in bulk. Raises on broker errors."""
    if lane not in LANES:
        raise ValueError(f"unknown lane {lane!r}")
    return send_many(lane, item_actor_name(lane), [(item_id,) for item_id in item_ids])


def send_many(queue: str, actor_name: str, args_list: list[tuple]) -> int:
    """Enqueue one message per args tuple, a thousand at a time in one Redis transaction.

    What the broker's enqueue script does for one message (the message in the queue's
    hash, its id at the end of the queue's list, the sender's heartbeat), done for many
    at once: one HSET, one RPUSH and one ZADD per thousand messages instead of a script
    call each. The script costs Redis and the sender far more per message (on the bench
    the worker's sender thread spent most of its time encoding and parsing a call per
    released item). MULTI/EXEC keeps hash and list together: a message in the hash and
    not in the list would look sent to the lease sweep and never be delivered.
    """
    if not args_list:
        return 0
    broker = get_broker()
    if not isinstance(broker, RedisBroker):
        for args in args_list:
            broker.enqueue(_message(actor_name, queue, args))
        return len(args_list)
    encode = dramatiq.get_encoder().encode
    now = current_millis()
    queue_key = f"{broker.namespace}:{queue}"
    for start in range(0, len(args_list), PIPELINE_CHUNK):
        messages: dict[str, bytes] = {}
        for args in args_list[start:start + PIPELINE_CHUNK]:
            # Message.asdict() of a new message; its Redis id is its own id (the broker
            # gives a retried copy a new one).
            message_id = str(uuid.uuid4())
            messages[message_id] = encode({
                "queue_name": queue, "actor_name": actor_name, "args": args, "kwargs": {},
                "options": {"redis_message_id": message_id}, "message_id": message_id,
                "message_timestamp": now})
        with broker.client.pipeline(transaction=True) as pipe:
            pipe.hset(f"{queue_key}.msgs", mapping=messages)
            pipe.rpush(queue_key, *messages)
            # As every call of the script does: the sender's broker is seen alive.
            pipe.zadd(f"{broker.namespace}:__heartbeats__", {broker.broker_id: now})
            pipe.execute()
    return len(args_list)


def send_or_unqueue(batch_id: uuid.UUID, lane: str, item_ids: list[int]) -> int:
    """Send messages for items just queued; if the broker is down, put them back to pending.

    Nothing is lost either way: pending items are dispatched again by the next top-up.
    """
    try:
        return send_items(lane, item_ids)
    except Exception as exc:  # noqa: BLE001  (redis down, connection reset, ...)
        unqueue(batch_id, item_ids, exc)
        return 0


def unqueue(batch_id: uuid.UUID, item_ids: list[int], exc: Exception) -> None:
    """Items whose messages could not be sent go back to pending, counters moved."""
    log.warning("could not send %d items of batch %s (%s); they wait as pending",
                len(item_ids), batch_id, exc)
    with get_engine().begin() as conn:
        moved = transitions.unqueue(conn, item_ids)
        if moved:
            counters.move_counters(conn, batch_id, {ItemStatus.queued: -moved,
                                                    ItemStatus.pending: moved}, utcnow())


def send_finalize(batch_id: uuid.UUID, lane: str) -> None:
    get_broker().enqueue(_message(FINALIZE_ACTOR, lane, (str(batch_id),)))


def send_notifications(notification_ids: list[int]) -> int:
    """One message per e-mail or webhook delivery, on the notify queue."""
    return send_many(NOTIFY_QUEUE, NOTIFY_ACTOR, [(i,) for i in notification_ids])


def resend_lost_notifications() -> int:
    """The scheduler's sweep: deliveries whose message was lost are sent again; those
    with no try left are marked failed."""
    from app.notify import notifications

    failed = notifications.give_up_exhausted()
    return send_notifications(notifications.stale_pending()) + failed
