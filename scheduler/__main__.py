"""`python -m scheduler`: the housekeeping process (Procfile `scheduler`).

`python -m scheduler --once JOB` runs one job now and exits.
"""

from __future__ import annotations

import argparse
import signal
import threading

from app.engine import banner, liveness
from app.engine.leader import Leadership
from app.logs import configure_logging
from app.settings import get_settings
from scheduler.jobs import jobs
from scheduler.runner import alive_within_s, build_scheduler, report_alive, run_once


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    names = [job.name for job in jobs(settings)]
    parser = argparse.ArgumentParser(prog="python -m scheduler")
    parser.add_argument("--once", choices=names, help="run this job now and exit")
    args = parser.parse_args(argv)
    configure_logging(settings)
    if args.once:
        run_once(settings, args.once)
        return 0
    banner.announce("scheduler", "jobs " + ", ".join(
        f"{job.name} every {job.interval_s}s" for job in jobs(settings))
        + ("; one instance acts at a time (PostgreSQL lock)" if settings.dialect != "sqlite"
           else ""), settings)
    liveness.reset(settings)
    leadership = Leadership(settings)
    scheduler = build_scheduler(settings, leadership)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    leadership.check()  # take the lead now if it is free, rather than at the first run
    report_alive(leadership, alive_within_s(settings))
    stop.wait()
    scheduler.shutdown(wait=True)
    leadership.release()
    liveness.withdraw("scheduler", settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
