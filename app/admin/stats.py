"""The statistics roll-up: per day, kind and lane, upserted into daily_stats.

submitted: items of batches created that day; done and failed: attempts that ended that
day so (from the item history, in the lane they ran in); avg and p95 processing time of
the attempts done that day; peak queue depth: the largest broker depth of the lane seen by
a roll-up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from app.db import get_engine
from app.engine.broker import queue_depths
from app.models import AttemptOutcome, Batch, DailyStats, Item, ItemAttempt, utcnow

batch_t, item_t, stats_t = Batch.__table__, Item.__table__, DailyStats.__table__


def _duration_ms(dialect: str, t):
    if dialect == "postgresql":
        return func.extract("epoch", t.c.ended_at - t.c.started_at) * 1000
    return (func.julianday(t.c.ended_at) - func.julianday(t.c.started_at)) * 86_400_000.0


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def _day_rows(conn: Connection, day: date) -> dict[tuple[str, str], dict]:
    start, end = _day_bounds(day)
    rows: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"submitted": 0, "done": 0, "failed": 0, "avg_ms": None, "p95_ms": None})
    for kind, lane, n in conn.execute(
        select(batch_t.c.kind, batch_t.c.lane, func.count(item_t.c.id))
        .join(item_t, item_t.c.batch_id == batch_t.c.id)
        .where(batch_t.c.created_at >= start, batch_t.c.created_at < end)
        .group_by(batch_t.c.kind, batch_t.c.lane)
    ):
        rows[(kind, lane)]["submitted"] = n
    # Ended and timed from the item history: an attempt counts on the day it ended, in the
    # lane it ran in, whatever later retries and moves do to its item.
    attempt_t = ItemAttempt.__table__
    on_day = (attempt_t.c.ended_at >= start, attempt_t.c.ended_at < end)
    for kind, lane, outcome, n in conn.execute(
        select(attempt_t.c.kind, attempt_t.c.lane, attempt_t.c.outcome, func.count())
        .where(*on_day, attempt_t.c.outcome.in_([AttemptOutcome.done.value,
                                                   AttemptOutcome.failed.value]))
        .group_by(attempt_t.c.kind, attempt_t.c.lane, attempt_t.c.outcome)
    ):
        rows[(kind, lane)][outcome] = n
    duration = _duration_ms(conn.dialect.name, attempt_t).label("ms")
    done_on_day = (*on_day, attempt_t.c.outcome == AttemptOutcome.done.value,
                   attempt_t.c.started_at.is_not(None))
    if conn.dialect.name == "postgresql":
        query = (select(attempt_t.c.kind, attempt_t.c.lane, func.avg(duration),
                        literal_column("percentile_cont(0.95) WITHIN GROUP (ORDER BY "
                                       "extract(epoch from item_attempt.ended_at"
                                       " - item_attempt.started_at) * 1000)"))
                 .where(*done_on_day).group_by(attempt_t.c.kind, attempt_t.c.lane))
        for kind, lane, avg_ms, p95_ms in conn.execute(query):
            rows[(kind, lane)].update(avg_ms=float(avg_ms), p95_ms=float(p95_ms))
    else:  # SQLite has no percentile function: a laptop's volume fits in memory
        durations: dict[tuple[str, str], list[float]] = defaultdict(list)
        for kind, lane, ms in conn.execute(
            select(attempt_t.c.kind, attempt_t.c.lane, duration).where(*done_on_day)
        ):
            durations[(kind, lane)].append(float(ms))
        for key, values in durations.items():
            rows[key].update(avg_ms=sum(values) / len(values), p95_ms=percentile(values, 0.95))
    return rows


def roll_up(now: datetime | None = None, days: int = 2) -> dict[str, int]:
    """Recompute today's and yesterday's rows (items finish after midnight too)."""
    now = now or utcnow()
    try:
        depths = queue_depths()
    except Exception:  # noqa: BLE001  (broker down: the roll-up still counts the database)
        depths = {}
    written = 0
    with get_engine().begin() as conn:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        for offset in range(days):
            day = (now - timedelta(days=offset)).date()
            for (kind, lane), values in _day_rows(conn, day).items():
                depth = depths.get(lane, 0) if offset == 0 else 0
                statement = insert(stats_t).values(day=day, kind=kind, lane=lane,
                                                   peak_queue_depth=depth, **values)
                conn.execute(statement.on_conflict_do_update(
                    index_elements=["day", "kind", "lane"],
                    set_={**values, "peak_queue_depth": func.max(
                        stats_t.c.peak_queue_depth, depth) if conn.dialect.name == "sqlite"
                        else func.greatest(stats_t.c.peak_queue_depth, depth)},
                ))
                written += 1
    return {"rows": written}
