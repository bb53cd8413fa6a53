"""Engine and session handling for SQLite and PostgreSQL (psycopg 3).

One engine per process, built from settings on first use. Sessions are short: open one
per unit of work with `session_scope()`, which commits on success and rolls back on error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from app.settings import Settings, get_settings

_engine: Engine | None = None
_lock = threading.Lock()


def build_engine(settings: Settings) -> Engine:
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
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # A dropped connection (PostgreSQL restarted, backend terminated) is replaced on
        # checkout instead of failing the next statement.
        pool_pre_ping=True,
        pool_recycle=1800,
    )


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
