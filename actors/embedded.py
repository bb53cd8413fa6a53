"""The in-process worker of `python -m app serve`."""

from __future__ import annotations

import dramatiq

from actors import heartbeat
from actors.registry import declare_actors
from app.engine.broker import get_broker
from app.settings import Settings


class EmbeddedWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.worker: dramatiq.Worker | None = None

    def start(self) -> None:
        broker = get_broker()
        declare_actors(broker, self.settings)
        # The in-process worker shows on the dashboard like any worker process.
        heartbeat.install(broker)
        self.worker = dramatiq.Worker(
            broker, worker_threads=self.settings.embedded_worker_threads, worker_timeout=1000
        )
        self.worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=10_000)
            self.worker = None
