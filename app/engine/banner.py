"""The one start-up line of each process: role, version, and what it serves or consumes.

A container's log should say at once what started and against which servers; the line
names hosts and databases, never a password.
"""

from __future__ import annotations

import logging
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from app.settings import Settings

log = logging.getLogger("shortlist.start")
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@cache
def version() -> str:
    """The source tree's version when it is run from one (the image copies pyproject.toml
    beside the code), else the installed package's."""
    try:
        return tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("shortlist")
    except metadata.PackageNotFoundError:
        return "unknown"


def servers(settings: Settings) -> str:
    """Where the database and the broker are, without credentials."""
    if settings.embedded_database:
        database = f"SQLite {settings.sqlalchemy_url.removeprefix('sqlite:///')}"
    else:
        url = make_url(settings.sqlalchemy_url)
        database = f"PostgreSQL {url.host}:{url.port or 5432}/{url.database}"
    if settings.embedded_broker:
        broker = "embedded broker"
    else:
        parts = urlsplit(settings.redis_url)
        broker = (f"Redis {parts.hostname}:{parts.port or 6379}/{parts.path.strip('/') or '0'}"
                  f" (namespace {settings.redis_namespace})")
    return f"{database}, {broker}"


def announce(role: str, what: str, settings: Settings) -> str:
    line = f"Shortlist {version()} {role}: {what}; {servers(settings)}"
    log.info("%s", line)
    return line
