"""Daily statistics as admins read them: the `daily_stats` rows of the last days, per lane.

`app.admin.stats` writes the rows (per day, kind and lane, every few minutes); this module
only reads them. A lane's day joins its kinds: counts are summed, the average time is the
average over every item done (each kind's average weighted by its items done), and the p95
time is the slowest kind's p95 (the p95 of the union cannot be rebuilt from per-kind
figures; this one is never lower than it). The peak queue depth is the lane's (the
roll-up writes the lane's depth on each kind's row): the largest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.permissions import check_admin_read
from app.db import get_engine
from app.errors import InvalidInput
from app.models import DailyStats, User, utcnow
from app.settings import LANES

stats_t = DailyStats.__table__
DEFAULT_DAYS, MAX_DAYS = 30, 90


@dataclass(frozen=True)
class LaneDay:
    day: date
    lane: str
    submitted: int
    done: int
    failed: int
    avg_ms: float | None  # None: no item was done that day
    p95_ms: float | None
    peak_queue_depth: int


def window(days: int, today: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the last `days` days, today (UTC) included."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"Choose between 1 and {MAX_DAYS} days.")
    last = today or utcnow().date()
    return last - timedelta(days=days - 1), last


def join_kinds(day: date, lane: str, rows: list[dict]) -> LaneDay:
    """One lane's day from its rows of every kind (the rule in this module's docstring)."""
    done = sum(r["done"] for r in rows)
    timed = [r for r in rows if r["done"] and r["avg_ms"] is not None]
    weight = sum(r["done"] for r in timed)
    avg = sum(r["avg_ms"] * r["done"] for r in timed) / weight if weight else None
    p95s = [r["p95_ms"] for r in timed if r["p95_ms"] is not None]
    return LaneDay(day=day, lane=lane, submitted=sum(r["submitted"] for r in rows), done=done,
                   failed=sum(r["failed"] for r in rows), avg_ms=avg,
                   p95_ms=max(p95s) if p95s else None,
                   peak_queue_depth=max(r["peak_queue_depth"] for r in rows))


def daily(user: User, *, days: int = DEFAULT_DAYS, lane: str | None = None,
          today: date | None = None) -> list[LaneDay]:
    """Per day and lane, the newest day first, lanes by priority; days without a row (no
    item submitted or ended) are left out. For admins, read-only ones too."""
    check_admin_read(user, "the daily statistics")
    if lane is not None and lane not in LANES:
        raise InvalidInput(f"Choose a lane: {', '.join(LANES)}.")
    first, last = window(days, today)
    query = select(stats_t).where(stats_t.c.day >= first, stats_t.c.day <= last)
    if lane is not None:
        query = query.where(stats_t.c.lane == lane)
    grouped: dict[tuple[date, str], list[dict]] = {}
    with get_engine().connect() as conn:
        for row in conn.execute(query).mappings():
            grouped.setdefault((row["day"], row["lane"]), []).append(dict(row))
    order = {name: i for i, name in enumerate(LANES)}
    keys = sorted(grouped, key=lambda k: (-k[0].toordinal(), order.get(k[1], 99), k[1]))
    return [join_kinds(day, name, grouped[(day, name)]) for day, name in keys]
