"""Send messages to the broker by actor name: `app` never imports the actors.

Each lane is a queue with its own item actor (actor priority orders what a worker has
fetched: critical first). Many messages go over one Redis pipeline of the broker's own
enqueue script, since Dramatiq has no bulk enqueue and one round trip per message caps
submission at a few thousand per second.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import dramatiq
import redis.exceptions
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from app.broker import get_broker
from app.settings import LANES

LANE_PRIORITY = {"critical": 0, "high": 10, "normal": 50, "low": 100}
FINALIZE_ACTOR = "finalize_batch"
PIPELINE_CHUNK = 1000

ITEM_ACTOR_PREFIX = "process_item_"


def item_actor_name(lane: str) -> str:
    return f"{ITEM_ACTOR_PREFIX}{lane}"


def _message(actor_name: str, lane: str, args: tuple, **options) -> dramatiq.Message:
    return dramatiq.Message(queue_name=lane, actor_name=actor_name, args=args, kwargs={},
                            options=options)


def send_items(lane: str, item_ids: Iterable[int]) -> int:
    """Enqueue one message per item on the lane's queue, pipelined. Raises on broker errors."""
    if lane not in LANES:
        raise ValueError(f"unknown lane {lane!r}")
    return send_many(lane, item_actor_name(lane), [(item_id,) for item_id in item_ids])


def send_many(queue: str, actor_name: str, args_list: list[tuple]) -> int:
    """Enqueue one message per args tuple over Redis pipelines of the broker's own script."""
    if not args_list:
        return 0
    broker = get_broker()
    if not isinstance(broker, RedisBroker):
        for args in args_list:
            broker.enqueue(_message(actor_name, queue, args))
        return len(args_list)
    # Each message carries its Redis id from the start (no copy per message).
    messages = [_message(actor_name, queue, args, redis_message_id=str(uuid.uuid4()))
                for args in args_list]
    script = broker.scripts["dispatch"]
    keys = [broker.namespace]
    for start in range(0, len(messages), PIPELINE_CHUNK):
        chunk = messages[start:start + PIPELINE_CHUNK]
        try:
            _pipelined_enqueue(broker, script.sha, keys, queue, chunk)
        except redis.exceptions.NoScriptError:
            # Redis restarted and forgot the script: load it once, send again. Messages
            # that made it before the error are sent twice; duplicates are skipped.
            broker.client.script_load(script.script)
            _pipelined_enqueue(broker, script.sha, keys, queue, chunk)
    return len(messages)


def _pipelined_enqueue(broker: RedisBroker, sha: str, keys: list[str], queue: str,
                       messages: list[dramatiq.Message]) -> None:
    # EVALSHA by hand, not the Script object: in a pipeline, redis-py checks that every
    # script is loaded first (SCRIPT EXISTS), one more round trip per send.
    with broker.client.pipeline(transaction=False) as pipe:
        now, unpack = current_millis(), broker._max_unpack_size()
        for message in messages:
            pipe.evalsha(sha, len(keys), *keys,
                         "enqueue", now, queue, broker.broker_id,
                         broker.heartbeat_timeout, broker.dead_message_ttl,
                         0,  # no maintenance inside a bulk send
                         unpack, message.options["redis_message_id"], message.encode())
        pipe.execute()


def send_finalize(batch_id: uuid.UUID, lane: str) -> None:
    get_broker().enqueue(_message(FINALIZE_ACTOR, lane, (str(batch_id),)))
