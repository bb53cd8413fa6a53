"""Run the housekeeping jobs on APScheduler: one line per run, errors logged, never fatal."""

from __future__ import annotations

import logging
import time

from apscheduler.schedulers.background import BackgroundScheduler

from app.settings import Settings
from scheduler.jobs import Job, describe, jobs

log = logging.getLogger("shortlist.scheduler")


def run_logged(job: Job) -> None:
    started = time.monotonic()
    try:
        result = job.func()
    except Exception:  # noqa: BLE001  (the scheduler keeps going)
        log.exception("%s failed after %.3fs", job.name, time.monotonic() - started)
        return
    log.info("%s: %s (%.3fs)", job.name, describe(result), time.monotonic() - started)


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in jobs(settings):
        scheduler.add_job(
            run_logged, "interval", args=[job], id=job.name, seconds=job.interval_s,
            max_instances=1, coalesce=True, misfire_grace_time=job.interval_s,
        )
    return scheduler


class EmbeddedScheduler:
    """The scheduler inside `python -m app serve` (SQLite or not: one process runs it)."""

    def __init__(self, settings: Settings) -> None:
        self.scheduler = build_scheduler(settings)

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
