"""Count database round trips of a process (for `python -m app bench`; off by default).

Each statement, BEGIN, COMMIT, ROLLBACK and pool pre-ping is one round trip. Counts are
added to a Redis hash every FLUSH_EVERY trips, so the benchmark reads the workers' totals.
"""

from __future__ import annotations

import atexit
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

KEY = ("bench", "db_round_trips")  # under the deployment's Redis namespace
FLUSH_EVERY = 100


class RoundTripCounter:
    def __init__(self, client) -> None:
        from app.redis_client import key

        self.client = client
        self.key = key(*KEY)
        self.pending = 0
        self.lock = threading.Lock()
        atexit.register(self.flush)

    def add(self, n: int = 1) -> None:
        with self.lock:
            self.pending += n
            if self.pending < FLUSH_EVERY:
                return
            n, self.pending = self.pending, 0
        self.client.incrby(self.key, n)

    def flush(self) -> None:
        with self.lock:
            n, self.pending = self.pending, 0
        if n:
            try:
                self.client.incrby(self.key, n)
            except Exception:  # noqa: BLE001  (exiting; a lost tail of <100 trips is noise)
                pass


# Set in processes that count: the worker's raw-connection statements report here.
active: RoundTripCounter | None = None


def count_one() -> None:
    if active is not None:
        active.add()


def instrument(engine: Engine, counter: RoundTripCounter, *, autocommit: bool = False) -> None:
    global active
    active = counter
    event.listen(engine, "before_cursor_execute", lambda *a, **k: counter.add())
    if not autocommit:
        # psycopg sends BEGIN before a transaction's first statement: its own round trip;
        # on an autocommit connection these events fire but nothing goes to the server.
        def transaction_event(conn) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                counter.add()

        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, transaction_event)
    if engine.pool._pre_ping:
        event.listen(engine, "checkout", lambda *a: counter.add())
