"""One scheduler acts at a time: a PostgreSQL session-level advisory lock decides which.

The lock lives as long as the holder's database session: when that process dies, its
session ends, the lock is free, and the next instance to ask becomes the leader (within
one job interval). With SQLite there is only one process (`serve`), always the leader.
"""

from __future__ import annotations

import logging

import psycopg

from app.settings import Settings

log = logging.getLogger("shortlist.leader")
LOCK_KEY = 0x53484C54  # "SHLT"


class Leadership:
    def __init__(self, settings: Settings) -> None:
        self.url = None if settings.dialect == "sqlite" else settings.sqlalchemy_url.replace(
            "postgresql+psycopg://", "postgresql://", 1)
        self.connection: psycopg.Connection | None = None
        self.leader = self.url is None
        # Whether the last check reached the database (leader or waiting): the health
        # check's sign that this scheduler works.
        self.answered = self.url is None

    def check(self) -> bool:
        """Are we the leader now? Tries to become it if not; never raises."""
        if self.url is None:
            return True
        was = self.leader
        try:
            if self.connection is None or self.connection.closed:
                self.connection = psycopg.connect(self.url, autocommit=True, connect_timeout=5,
                                                  application_name="shortlist-scheduler")
                self.leader = False
            if self.leader:
                self.connection.execute("SELECT 1")  # still our session, so still our lock
            else:
                self.leader = bool(self.connection.execute(
                    "SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0])
            self.answered = True
        except psycopg.Error as exc:
            log.warning("lost the database session of the scheduler lock: %s", exc)
            self._close()
            self.leader = self.answered = False
        if self.leader != was:
            log.info("this scheduler is now %s", "the leader" if self.leader
                     else "waiting: another scheduler is the leader")
        return self.leader

    def release(self) -> None:
        if self.connection is not None and not self.connection.closed and self.leader:
            try:
                self.connection.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            except psycopg.Error:
                pass
        self._close()
        self.leader = self.url is None

    def _close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except psycopg.Error:
                pass
        self.connection = None
