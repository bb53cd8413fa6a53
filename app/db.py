"""Engine and session handling for SQLite and PostgreSQL (psycopg 3).

One engine per process, built from settings on first use. Sessions are short: open one
per unit of work with `session_scope()`, which commits on success and rolls back on error.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

from app.errors import InvalidInput
from app.settings import Settings, get_settings

T = TypeVar("T")
_engine: Engine | None = None
_lock = threading.Lock()


def build_engine(settings: Settings, *, worker: bool = False) -> Engine:
    """The process's engine. `worker=True` tunes it for worker processes, whose every
    statement is on the hot path: no pre-ping round trip per checkout (a dropped
    connection is replaced on its next use), and asynchronous commit
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


def reading_connection():
    """A pooled connection for one read statement, in autocommit: no BEGIN before it and
    no ROLLBACK after it (two round trips of three, on a worker's per-item reads)."""
    return get_engine().connect().execution_options(isolation_level="AUTOCOMMIT")


class DedicatedConnection:
    """One autocommit psycopg connection of this process for the group statement (one
    flusher thread runs one group at a time, so it needs no pool).

    Checking a connection out of SQLAlchemy's pool, switching it to autocommit and back
    cost more CPU per statement than the statement's own parameters. This connection is
    opened on first use (so after a worker process forks), with asynchronous commit, and
    again after the engine changed (tests switch databases) or the server dropped it. A
    statement that finds it dropped runs once more on a new one, which is safe because
    every transition is guarded. Driver errors leave as SQLAlchemy's, the ones the
    actors' retry rule knows.
    """

    def __init__(self) -> None:
        self._conn = None
        self._engine: Engine | None = None
        self._pid = 0

    def _connect(self, engine: Engine):
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(url, autocommit=True)
        conn.execute("SET synchronous_commit TO off")
        # The group statement is prepared once; PostgreSQL's default plan choice planned
        # it anew on every run (1-2 ms of server CPU each). Its generic plan finds every
        # item by key (app.engine.hotpath keeps its state names as parameters for that).
        conn.execute("SET plan_cache_mode TO force_generic_plan")
        return conn

    def run(self, statement: Callable[[object], T]) -> T:
        import psycopg

        engine = get_engine()
        for attempt in (1, 2):
            if self._conn is None or self._engine is not engine or self._pid != os.getpid() \
                    or self._conn.closed:
                self._discard()
                self._conn, self._engine, self._pid = self._connect(engine), engine, os.getpid()
            try:
                return statement(self._conn)
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == 2:
                    raise
                continue  # the statement changed nothing: run it again
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                broken = self._conn.closed or self._conn.broken
                self._discard()
                if attempt == 2 or not broken:
                    raise OperationalError(None, None, exc) from exc
            except psycopg.Error as exc:
                raise DBAPIError(None, None, exc) from exc
        raise AssertionError("unreachable")

    def _discard(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001  (already broken)
                pass
        self._conn = None


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


# --- Keyset page cursors ------------------------------------------------------------
# A JSON object of the last row's sort key, opaque to clients (URL-safe base64): the
# admin's batch search and the candidate pool page with them.

CURSOR_MAX_CHARS = 512


class InvalidCursor(InvalidInput):
    """This page cursor is not valid. Use the next_cursor of the previous page as it is."""

    code = "invalid_cursor"


def encode_cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """The object a cursor holds; InvalidCursor for anything else."""
    try:
        if len(cursor) > CURSOR_MAX_CHARS:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None
