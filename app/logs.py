"""Logs: one line per event, to stdout (what Procfile hosts and Docker collect); a
command-line tool's go to stderr, since its stdout is its output (JSON, a token, an id).

Tracebacks are folded onto the same line, so a log search or a line-based collector
never splits one event. Nothing here logs resume text or secrets: messages carry ids,
counts and reasons only.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from app.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", " ⏎ ")


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    # APScheduler logs every job run at INFO; our runner logs one line per run instead.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def fold_existing_handlers() -> None:
    """In processes whose logging someone else set up (the dramatiq CLI), keep their
    handlers but make every record one line."""
    for handler in logging.getLogger().handlers:
        fmt = handler.formatter._fmt if handler.formatter else FORMAT
        handler.setFormatter(OneLineFormatter(fmt))
