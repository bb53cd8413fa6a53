"""Daily statistics as admins read them (app.admin.daily): exact values read back from
rows written here, the window, the lane filter, how kinds join, who may read."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from app.admin import daily
from app.db import get_engine
from app.errors import InvalidInput, PermissionDenied
from app.models import DailyStats
from tests.engine.helpers import make_user

TODAY = date(2026, 12, 7)


def write(*rows: dict) -> None:
    defaults = {"kind": "resume", "submitted": 0, "done": 0, "failed": 0, "avg_ms": None,
                "p95_ms": None, "peak_queue_depth": 0}
    with get_engine().begin() as conn:
        conn.execute(insert(DailyStats.__table__), [{**defaults, **r} for r in rows])


def world() -> None:
    write(
        # Today, normal lane: two kinds of work join into one lane-day
        {"day": TODAY, "lane": "normal", "kind": "resume", "submitted": 120, "done": 90,
         "failed": 6, "avg_ms": 1000.0, "p95_ms": 2500.0, "peak_queue_depth": 40},
        {"day": TODAY, "lane": "normal", "kind": "noop", "submitted": 10, "done": 10,
         "failed": 0, "avg_ms": 2000.0, "p95_ms": 2100.0, "peak_queue_depth": 40},
        {"day": TODAY, "lane": "critical", "submitted": 5, "done": 5, "avg_ms": 300.0,
         "p95_ms": 450.0, "peak_queue_depth": 3},
        # Yesterday, only failures: no time
        {"day": date(2026, 12, 6), "lane": "low", "submitted": 4, "failed": 4},
        # The first day of a 30-day window, and the day before it
        {"day": date(2026, 11, 8), "lane": "high", "done": 1, "avg_ms": 10.0, "p95_ms": 10.0},
        {"day": date(2026, 11, 7), "lane": "high", "done": 99, "avg_ms": 1.0, "p95_ms": 1.0},
    )


def test_lane_days_read_back_exactly_newest_first(stack):
    world()
    admin = make_user(role="admin")
    rows = daily.daily(admin, today=TODAY)
    assert [(r.day, r.lane) for r in rows] == [
        (TODAY, "critical"), (TODAY, "normal"), (date(2026, 12, 6), "low"),
        (date(2026, 11, 8), "high")]
    assert rows[1] == daily.LaneDay(
        day=TODAY, lane="normal", submitted=130, done=100, failed=6,
        avg_ms=pytest.approx(1100.0),  # (90 x 1000 + 10 x 2000) / 100
        p95_ms=2500.0, peak_queue_depth=40)
    assert rows[0] == daily.LaneDay(TODAY, "critical", 5, 5, 0, 300.0, 450.0, 3)
    assert rows[2] == daily.LaneDay(date(2026, 12, 6), "low", 4, 0, 4, None, None, 0)


def test_the_window_and_the_lane_filter(stack):
    world()
    viewer = make_user(role="readonly_admin")
    assert [r.lane for r in daily.daily(viewer, days=1, today=TODAY)] == ["critical", "normal"]
    assert [(r.day, r.done) for r in daily.daily(viewer, days=31, lane="high", today=TODAY)] \
        == [(date(2026, 11, 8), 1), (date(2026, 11, 7), 99)]
    assert daily.daily(viewer, lane="low", days=1, today=TODAY) == []
    assert daily.window(30, TODAY) == (date(2026, 11, 8), TODAY)
    for days in (0, 91, -1, True, "30"):
        with pytest.raises(InvalidInput, match="^Choose between 1 and 90 days.$"):
            daily.daily(viewer, days=days, today=TODAY)
    with pytest.raises(InvalidInput, match="^Choose a lane: critical, high, normal, low.$"):
        daily.daily(viewer, lane="urgent", today=TODAY)


def test_only_admins_read_them(stack):
    world()
    recruiter = make_user()
    with pytest.raises(PermissionDenied, match="^Only an admin can see the daily statistics.$"):
        daily.daily(recruiter, today=TODAY)
