"""The statistics roll-up: per day, kind and lane, upserted into daily_stats.

submitted: items of batches created that day; done and failed: items that ended that day;
avg and p95 processing time of the items done that day (finished_at - started_at of their
last attempt); peak queue depth: the largest broker depth of the lane seen by a roll-up.
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
from app.models import Batch, DailyStats, Item, ItemStatus, utcnow

batch_t, item_t, stats_t = Batch.__table__, Item.__table__, DailyStats.__table__


def _duration_ms(dialect: str):
    if dialect == "postgresql":
        return func.extract("epoch", item_t.c.finished_at - item_t.c.started_at) * 1000
    return (func.julianday(item_t.c.finished_at) - func.julianday(item_t.c.started_at)) * 86_400_000.0


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
    ended = (select(batch_t.c.kind, batch_t.c.lane, item_t.c.status, func.count())
             .join(batch_t, batch_t.c.id == item_t.c.batch_id)
             .where(item_t.c.finished_at >= start, item_t.c.finished_at < end,
                    item_t.c.status.in_([ItemStatus.done.value, ItemStatus.failed.value]))
             .group_by(batch_t.c.kind, batch_t.c.lane, item_t.c.status))
    for kind, lane, status, n in conn.execute(ended):
        rows[(kind, lane)][status] = n
    duration = _duration_ms(conn.dialect.name).label("ms")
    done_today = (item_t.c.finished_at >= start, item_t.c.finished_at < end,
                  item_t.c.status == ItemStatus.done.value, item_t.c.started_at.is_not(None))
    if conn.dialect.name == "postgresql":
        query = (select(batch_t.c.kind, batch_t.c.lane, func.avg(duration),
                        literal_column("percentile_cont(0.95) WITHIN GROUP (ORDER BY "
                                       "extract(epoch from item.finished_at - item.started_at)"
                                       " * 1000)"))
                 .join(batch_t, batch_t.c.id == item_t.c.batch_id).where(*done_today)
                 .group_by(batch_t.c.kind, batch_t.c.lane))
        for kind, lane, avg_ms, p95_ms in conn.execute(query):
            rows[(kind, lane)].update(avg_ms=float(avg_ms), p95_ms=float(p95_ms))
    else:  # SQLite has no percentile function: a laptop's volume fits in memory
        durations: dict[tuple[str, str], list[float]] = defaultdict(list)
        for kind, lane, ms in conn.execute(
            select(batch_t.c.kind, batch_t.c.lane, duration)
            .join(batch_t, batch_t.c.id == item_t.c.batch_id).where(*done_today)
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
