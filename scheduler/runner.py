"""Run the housekeeping jobs on APScheduler: one line per run, errors logged, never fatal.

Only the leader runs jobs (app.engine.leader): every instance schedules them, and each run first
asks whether this instance holds the lock, so a waiting instance takes over within one
interval of the leader's death.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, is_dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from app.engine import liveness
from app.engine.leader import Leadership
from app.settings import Settings
from scheduler.jobs import Job, describe, jobs

log = logging.getLogger("shortlist.scheduler")


def run_logged(job: Job, leadership: Leadership | None = None,
               alive_within_s: float | None = None) -> bool:
    """Run one job and log one line. Returns False if it did not run (not the leader)."""
    if leadership is not None:
        leader = leadership.check()
        report_alive(leadership, alive_within_s)
        if not leader:
            return False
    started = time.monotonic()
    try:
        result = job.func()
    except Exception:  # noqa: BLE001  (the scheduler keeps going)
        log.exception("%s failed after %.3fs", job.name, time.monotonic() - started)
        return True
    # An idle run (nothing changed) at DEBUG: an idle process logged a line every few
    # seconds, most of its log.
    log.log(logging.INFO if changed(result) else logging.DEBUG, "%s: %s (%.3fs)", job.name,
            describe(result), time.monotonic() - started)
    return True


def changed(result) -> bool:
    """Whether a job's result says it did something (any count above zero)."""
    if is_dataclass(result):
        result = asdict(result)
    if isinstance(result, dict):
        return any(v for v in result.values() if isinstance(v, int | float))
    return bool(result)


def alive_within_s(settings: Settings) -> float:
    """The longest a working scheduler goes without a lock check: three of its shortest
    intervals (every job run checks), at least 30 s."""
    return max(30.0, 3.0 * min(job.interval_s for job in jobs(settings)))


def report_alive(leadership: Leadership, within_s: float | None) -> None:
    """For the container's health check (app.engine.liveness): the lock check reached the
    database, whether this instance leads or waits."""
    if within_s and leadership.answered:
        liveness.announce("scheduler", max_age_s=within_s)


def build_scheduler(settings: Settings, leadership: Leadership) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    within_s = alive_within_s(settings)
    for job in jobs(settings):
        scheduler.add_job(
            run_logged, "interval", args=[job, leadership, within_s], id=job.name,
            seconds=job.interval_s, max_instances=1, coalesce=True,
            misfire_grace_time=job.interval_s,
        )
    return scheduler


def run_once(settings: Settings, name: str) -> bool:
    """`python -m scheduler --once JOB`: run it now, leader or not (an operator asked)."""
    by_name = {job.name: job for job in jobs(settings)}
    if name not in by_name:
        raise SystemExit(f"Unknown job {name!r}: use one of {', '.join(by_name)}.")
    job = by_name[name]
    started = time.monotonic()
    result = job.func()
    log.info("%s: %s (%.3fs)", job.name, describe(result), time.monotonic() - started)
    return True


class EmbeddedScheduler:
    """The scheduler inside `python -m app serve`; with PostgreSQL it competes for the lock."""

    def __init__(self, settings: Settings) -> None:
        self.leadership = Leadership(settings)
        self.scheduler = build_scheduler(settings, self.leadership)

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.leadership.release()
