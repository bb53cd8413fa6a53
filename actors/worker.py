"""Entry point of worker processes: `dramatiq actors.worker` (Procfile `worker`).

The dramatiq CLI imports this module in each worker process: the broker is built from
settings and set explicitly here, then the actors are declared on it.
"""

from actors.registry import declare_actors
from app.broker import build_broker, set_broker
from app.db import build_engine, set_engine
from app.logs import fold_existing_handlers
from app.settings import get_settings

settings = get_settings()
fold_existing_handlers()
set_engine(build_engine(settings, worker=True))
broker = build_broker(settings)
set_broker(broker)
declare_actors(broker, settings)
