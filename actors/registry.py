"""Declare Shortlist's actors on a given broker. Thin: every actor calls one `app` function.

One item actor per lane, each on its lane's queue (Redis queues have no priority inside
them): a worker's threads take what it fetched from the lanes by weight
(app.engine.shares); and one finalize actor whose messages are routed to the batch's lane.
"""

from __future__ import annotations

import dramatiq
import redis.exceptions
import sqlalchemy.exc

from actors import claim_ahead
from actors.shutdown import FlushEndings
from app.engine import finalize, processing, shares
from app.engine.dispatch import FINALIZE_ACTOR, LANE_PRIORITY, NOTIFY_ACTOR, item_actor_name
from app.engine.outcome import RetryItem
from app.notify import notifications
from app.settings import LANES, NOTIFY_QUEUE, Settings

# Infrastructure hiccups (database or Redis unreachable) are retried this many times.
INFRA_RETRIES = 20


def should_retry(retries: int, exc: BaseException) -> bool:
    """Retries only what the engine decided to retry, plus infrastructure errors."""
    if isinstance(exc, RetryItem):
        return True
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
                  | redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return retries < INFRA_RETRIES
    return False


def process_item(item_id: int) -> None:
    processing.process_item(item_id, write_behind=True)


def finalize_batch(batch_id: str) -> None:
    finalize.finalize_batch(batch_id)


def deliver_notification(notification_id: int) -> None:
    notifications.deliver(notification_id)


def should_retry_delivery(retries: int, exc: BaseException) -> bool:
    """A failed try asks for another (its row counts the tries and stops at
    NOTIFY_MAX_ATTEMPTS); infrastructure errors too."""
    return isinstance(exc, notifications.RetryDelivery) or should_retry(retries, exc)


def declare_actors(broker: dramatiq.Broker, settings: Settings) -> dict[str, dramatiq.Actor]:
    options = dict(
        broker=broker,
        retry_when=should_retry,
        min_backoff=settings.retry_min_backoff_ms,
        max_backoff=settings.retry_max_backoff_ms,
    )
    if not any(isinstance(m, FlushEndings) for m in broker.middleware):
        broker.add_middleware(FlushEndings())
    claim_ahead.install(broker)
    # Lanes share each worker's threads by weight (the one rule: app.engine.shares).
    shares.install(broker, settings.lane_weights)
    actors = {}
    for lane in LANES:
        name = item_actor_name(lane)
        if name in broker.actors:
            actors[name] = broker.actors[name]
            continue
        actors[name] = dramatiq.actor(
            process_item, actor_name=name, queue_name=lane, priority=LANE_PRIORITY[lane],
            time_limit=settings.item_time_limit_s * 1000,
            # On SIGTERM, interrupt running items so they are handed back at once.
            notify_shutdown=True, **options,
        )
    if FINALIZE_ACTOR not in broker.actors:
        actors[FINALIZE_ACTOR] = dramatiq.actor(
            finalize_batch, actor_name=FINALIZE_ACTOR, queue_name="critical", priority=0,
            time_limit=600_000, **options,
        )
    if NOTIFY_ACTOR not in broker.actors:
        # Its own queue and backoff (NOTIFY_*): a mail server or webhook that is down is
        # tried again over about 15 minutes, apart from the lanes' items.
        actors[NOTIFY_ACTOR] = dramatiq.actor(
            deliver_notification, actor_name=NOTIFY_ACTOR, queue_name=NOTIFY_QUEUE,
            priority=0, time_limit=120_000, broker=broker, retry_when=should_retry_delivery,
            min_backoff=settings.notify_min_backoff_ms,
            max_backoff=settings.notify_max_backoff_ms,
        )
    return actors
