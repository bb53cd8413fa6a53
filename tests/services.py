"""Where the real PostgreSQL and Redis of the integration tests are, and whether they answer.

TEST_DATABASE_URL and TEST_REDIS_URL point at them (`.ci/run` sets both); without them
the local defaults are tried. Where a server does not answer, its tests skip with the
reason, except when SHORTLIST_REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
from functools import cache

import pytest

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_DATABASE_URL


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL


def required() -> bool:
    return os.environ.get("SHORTLIST_REQUIRE_SERVICES") == "1"


@cache
def postgres_problem() -> str | None:
    import psycopg

    try:
        with psycopg.connect(database_url().replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {database_url()} does not answer: {exc}".strip()
    return None


@cache
def redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {redis_url()} does not answer: {exc}"
    return None


def need(problem: str | None) -> None:
    if problem is None:
        return
    if required():
        pytest.fail(f"{problem} (SHORTLIST_REQUIRE_SERVICES=1: integration tests must run)")
    pytest.skip(problem)
