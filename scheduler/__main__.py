"""`python -m scheduler`: the housekeeping process (Procfile `scheduler`)."""

from __future__ import annotations

import signal
import threading

from app.logs import configure_logging
from app.settings import get_settings
from scheduler.runner import build_scheduler


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    scheduler = build_scheduler(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    stop.wait()
    scheduler.shutdown(wait=True)


if __name__ == "__main__":
    main()
