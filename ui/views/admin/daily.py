"""Admin dashboard: daily statistics, per day and lane (app.admin.daily): items done and
failed, average and p95 processing time, the peak queue depth. A lane filter; on a phone
each row is a small card."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from app.admin import daily
from app.admin.daily import LaneDay
from app.models import User
from app.settings import LANES
from ui.views.admin import common

PATH = "/admin/stats"
TITLE = "Daily statistics"
ALL = "all"
COLUMNS = [
    {"name": "day", "label": "Day (UTC)", "field": "day", "align": "left"},
    {"name": "lane", "label": "Lane", "field": "lane", "align": "left"},
    {"name": "done", "label": "Done", "field": "done", "align": "right"},
    {"name": "failed", "label": "Failed", "field": "failed", "align": "right"},
    {"name": "avg", "label": "Average time", "field": "avg", "align": "right"},
    {"name": "p95", "label": "p95 time", "field": "p95", "align": "right"},
    {"name": "peak", "label": "Peak queue", "field": "peak", "align": "right"},
]


def register() -> None:
    @ui.page(PATH)
    def admin_daily_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        DailyView(user).build()
        return None


def ms_text(ms: float | None) -> str:
    """'-', '340 ms', '1.5 s', '2 min 5 s', '1 h 4 min'."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 59_950:  # what rounds to "60.0 s" reads as a minute
        return f"{ms / 1000:.1f} s"
    seconds = ms / 1000
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def row_of(row: LaneDay) -> dict[str, Any]:
    return {"id": f"{row.day}-{row.lane}", "day": f"{row.day:%a %d %b %Y}",
            "lane": row.lane.capitalize(), "done": f"{row.done:,}", "failed": f"{row.failed:,}",
            "avg": ms_text(row.avg_ms), "p95": ms_text(row.p95_ms),
            "peak": f"{row.peak_queue_depth:,}"}


class DailyView:
    def __init__(self, user: User) -> None:
        self.user = user
        self.lane = ALL

    def build(self) -> None:
        with common.frame(self.user, TITLE, PATH):
            ui.label(f"The last {daily.DEFAULT_DAYS} days, newest first: items done and"
                     " failed, how long an item took (average and 95th percentile), and the"
                     " most items waiting in the lane's queue. Days without work are left"
                     " out; today's row is recomputed every few minutes.").classes(
                "text-body2 sl-muted sl-wrap")
            with ui.row().classes("w-full items-center gap-2"):
                ui.select({ALL: "All lanes", **{lane: lane.capitalize() for lane in LANES}},
                          value=self.lane, label="Lane",
                          on_change=lambda e: self.choose(e.value)).props(
                    "outlined dense options-dense").classes("w-40").mark("lane")
                ui.space()
                self.summary = ui.label().classes("text-body2").mark("summary")
            self.table = ui.table(columns=[dict(c) for c in COLUMNS], rows=[], row_key="id",
                                  pagination={"rowsPerPage": 0}).classes("sl-table")
            self.table.mark("daily")
            # A phone gets one card per row: seven columns do not fit 390 px (evaluated
            # by the browser at each redraw).
            self.table.props("flat bordered hide-pagination")
            self.table._props[":grid"] = "window.innerWidth < 600"
            # One compact card per lane-day: the day and lane, then the figures three a line.
            self.table.add_slot("item", r"""
                <div class="q-pa-xs col-12"><q-card flat bordered class="q-pa-sm">
                  <div class="row justify-between text-weight-medium">
                    <span>{{ props.row.day }}</span><span>{{ props.row.lane }}</span></div>
                  <div class="row q-mt-xs">
                    <div v-for="col in props.cols.slice(2)" :key="col.name"
                         class="col-4 q-py-xs">
                      <div class="text-caption sl-muted">{{ col.label }}</div>
                      <div>{{ col.value }}</div></div></div></q-card></div>""")
            self.table._props["no-data-label"] = "No item was submitted or ended in these days."
        self.refresh()

    def choose(self, lane: str) -> None:
        self.lane = lane
        self.refresh()

    def refresh(self) -> None:
        lane = None if self.lane == ALL else self.lane
        rows = common.read(PATH, lambda user: daily.daily(user, lane=lane))
        if rows is common.NOTHING:
            return
        self.table.rows = [row_of(r) for r in rows]
        self.table.update()
        done, failed = sum(r.done for r in rows), sum(r.failed for r in rows)
        self.summary.text = f"{done:,} done, {failed:,} failed in {daily.DEFAULT_DAYS} days"
