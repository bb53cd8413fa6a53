"""Engine and session handling for SQLite and PostgreSQL (psycopg 3).

One engine per process, built from settings on first use. Sessions are short: open one
per unit of work with `session_scope()`, which commits on success and rolls back on error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from app.settings import Settings, get_settings

T = TypeVar("T")
_engine: Engine | None = None
_lock = threading.Lock()


def build_engine(settings: Settings, *, worker: bool = False) -> Engine:
    """The process's engine. `worker=True` tunes it for worker processes, whose every
    statement is on the hot path: no pre-ping round trip per checkout (a dropped
    connection is retried once instead, see hot_connection), and asynchronous commit
    (a PostgreSQL crash may forget the last few milliseconds of item transitions; those
    items are simply processed again, as at-least-once delivery allows)."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        if settings.embedded_database:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        # Workers keep every connection they open: an "overflow" connection is closed on
        # return, and with more threads than DB_POOL_SIZE that meant a new PostgreSQL
        # connection (a process fork on the server) for most items.
        pool_size=settings.db_pool_size + (settings.db_max_overflow if worker else 0),
        max_overflow=0 if worker else settings.db_max_overflow,
        # A dropped connection (PostgreSQL restarted, backend terminated) is replaced on
        # checkout instead of failing the next statement.
        pool_pre_ping=not worker,
        pool_recycle=1800,
    )
    if worker:
        event.listen(engine, "connect", _asynchronous_commit)
        # psycopg caches the parsing of queries up to 4 KB and 50 parameters; the
        # worker's two fused statements are larger, and re-parsing them cost ~0.5 ms of
        # CPU per item.
        import psycopg._queries

        psycopg._queries.MAX_CACHED_STATEMENT_LENGTH = max(
            psycopg._queries.MAX_CACHED_STATEMENT_LENGTH, 16384)
        psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = max(
            psycopg._queries.MAX_CACHED_STATEMENT_PARAMS, 200)
    _count_round_trips(settings, engine)
    return engine


def _asynchronous_commit(dbapi_connection, _record) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit TO off")
    dbapi_connection.autocommit = autocommit


def _count_round_trips(settings: Settings, engine: Engine) -> None:
    if settings.count_db_round_trips:
        from app.redis_client import build_client
        from app.roundtrips import RoundTripCounter, instrument

        instrument(engine, RoundTripCounter(build_client(settings)))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web process read while a worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = build_engine(get_settings())
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Use this engine from now on (tests, and `serve` after it chose its database)."""
    global _engine
    with _lock:
        if _engine is not None and _engine is not engine:
            _engine.dispose()
        _engine = engine


def run_autocommit(statement: Callable[[Connection], T]) -> T:
    """Run one single-statement transition on an autocommit connection (the worker's path).

    Without pre-ping, a connection PostgreSQL dropped fails on first use: the statement
    is then run once more on a fresh connection, which is safe because every transition
    is a guarded update fenced by the attempt number.
    """
    engine = get_engine()
    for attempt in (1, 2):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            try:
                return statement(conn)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
    raise AssertionError("unreachable")


@contextmanager
def session_scope() -> Iterator[Session]:
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
