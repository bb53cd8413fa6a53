"""A bare no-op actor on its own queue: the raw-Dramatiq baseline of `python -m app bench`.

`dramatiq app.benchmarks.raw_actor --queues bench` runs it on Dramatiq's own Redis broker
with the same settings as the real workers, so the benchmark compares Shortlist with
Dramatiq alone.
With RAW_CONSUMER_ENV=shortlist it runs on Shortlist's broker instead (its consumer sends
acks in bulk): the same comparison without what that consumer saves.
"""

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from app.benchmarks import RAW_CONSUMER_ENV, RAW_QUEUE
from app.engine.broker import LaneBroker, build_broker, get_broker, set_broker
from app.settings import get_settings

settings = get_settings()
if settings.embedded_broker:
    broker = get_broker()  # one process: the bare actor runs on its broker
else:
    broker = build_broker(settings, broker_class=LaneBroker
                          if os.environ.get(RAW_CONSUMER_ENV) == "shortlist" else RedisBroker)
    set_broker(broker)


@dramatiq.actor(broker=broker, queue_name=RAW_QUEUE, actor_name="bench_noop", max_retries=0)
def bench_noop(n: int) -> None:
    """Nothing at all: the ceiling."""
