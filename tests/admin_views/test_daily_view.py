"""The admin's daily statistics page through the simulated user: the rows written here
read back exactly, the lane filter, who may see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from app.db import get_engine
from app.models import DailyStats, utcnow
from tests.admin_views.conftest import ACT
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in
from ui.views.admin.daily import ms_text

PATH = "/admin/stats"


def write_rows() -> tuple:
    today = utcnow().date()
    yesterday = today - timedelta(days=1)
    with get_engine().begin() as conn:
        conn.execute(insert(DailyStats.__table__), [
            {"day": today, "kind": "resume", "lane": "normal", "submitted": 1300,
             "done": 1200, "failed": 35, "avg_ms": 1480.0, "p95_ms": 3900.0,
             "peak_queue_depth": 2400},
            {"day": yesterday, "kind": "resume", "lane": "critical", "submitted": 9,
             "done": 9, "failed": 0, "avg_ms": 420.0, "p95_ms": 125_000.0,
             "peak_queue_depth": 0},
            {"day": today - timedelta(days=40), "kind": "resume", "lane": "normal",
             "submitted": 1, "done": 1, "failed": 0, "avg_ms": 1.0, "p95_ms": 1.0,
             "peak_queue_depth": 0},  # outside the 30 days shown
        ])
    return today, yesterday


def rows(user) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "id"}
            for r in next(iter(user.find(marker="daily").elements)).rows]


def test_times_read_plainly():
    assert [ms_text(v) for v in (None, 0.4, 340.0, 1480.0, 59_949.0, 59_990.0, 125_000.0,
                                 120_000.0, 3_840_000.0, 7_200_000.0)] == [
        "-", "0 ms", "340 ms", "1.5 s", "59.9 s", "1 min", "2 min 5 s", "2 min", "1 h 4 min",
        "2 h"]


@pytest.mark.anyio
async def test_the_page_shows_each_lane_day_and_filters_by_lane(user, web):
    today, yesterday = write_rows()
    viewer = make_account(role="readonly_admin")  # read-only admins read it too
    await sign_in(user, viewer.email, PASSWORD)
    await user.open(PATH)
    await user.should_see("1,209 done, 35 failed in 30 days")
    assert rows(user) == [
        {"day": f"{today:%a %d %b %Y}", "lane": "Normal", "done": "1,200", "failed": "35",
         "avg": "1.5 s", "p95": "3.9 s", "peak": "2,400"},
        {"day": f"{yesterday:%a %d %b %Y}", "lane": "Critical", "done": "9", "failed": "0",
         "avg": "420 ms", "p95": "2 min 5 s", "peak": "0"}]
    user.find(marker="lane").elements.pop().value = "critical"
    await user.should_see("9 done, 0 failed in 30 days", retries=ACT)
    assert [r["lane"] for r in rows(user)] == ["Critical"]
    user.find(marker="lane").elements.pop().value = "low"
    await user.should_see("0 done, 0 failed in 30 days", retries=ACT)
    assert rows(user) == []
    # The dashboard's navigation leads here
    await user.should_see("Daily statistics")


@pytest.mark.anyio
async def test_recruiters_and_signed_out_visitors_never_see_it(user, web):
    write_rows()
    response = await user.http_client.get(PATH, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?next={PATH}"
    recruiter = make_account()
    await sign_in(user, recruiter.email, PASSWORD)
    await user.open(PATH)
    await user.should_see("This page is for admins.")
    await user.should_not_see(marker="daily")
    await user.should_not_see("1,200")
