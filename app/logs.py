"""One line per event to stdout."""

from __future__ import annotations

import logging
import sys

from app.settings import Settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # APScheduler logs every job run at INFO; our runner logs one line per run instead.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
