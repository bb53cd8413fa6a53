"""A bare no-op actor on its own queue: the raw-Dramatiq baseline of `python -m app bench`.

`dramatiq actors.bench_raw --queues bench` runs it with the same broker settings as the
real workers, so the benchmark compares Shortlist's bookkeeping with Dramatiq alone.
"""

import dramatiq

from app.broker import build_broker, set_broker
from app.settings import get_settings

QUEUE = "bench"

broker = build_broker(get_settings())
set_broker(broker)


@dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="bench_noop", max_retries=0)
def bench_noop(n: int) -> None:
    """Nothing at all: the ceiling."""
