"""Entry point of worker processes: `dramatiq actors.worker` (Procfile `worker`).

The dramatiq CLI imports this module in each worker process: the broker is built from
settings and set explicitly here, then the actors are declared on it.
"""

from actors import heartbeat
from actors.registry import declare_actors
from app.db import build_engine, set_engine
from app.engine import processing
from app.engine.broker import build_broker, set_broker
from app.logs import fold_existing_handlers
from app.settings import get_settings

settings = get_settings()
fold_existing_handlers()
set_engine(build_engine(settings, worker=True))
processing.warm_up()
broker = build_broker(settings)
if settings.worker_metrics_port:
    # Dramatiq's Prometheus exporter (a forked process per worker command) on this port.
    import os

    from dramatiq.middleware.prometheus import Prometheus

    os.environ["dramatiq_prom_port"] = str(settings.worker_metrics_port)
    broker.add_middleware(Prometheus())
# Reports this process (host, pid, lanes, threads, current items) to the dashboard.
heartbeat.install(broker)
set_broker(broker)
declare_actors(broker, settings)
