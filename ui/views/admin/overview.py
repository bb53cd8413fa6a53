"""Admin dashboard: the overview (per-lane numbers, throughput chart, failure rate).

Also the live feed the three operations views (overview, workers, lanes) share: one
`app.admin.overview.Refresher` per web process recomputes the shared numbers every
DASHBOARD_REFRESH_S while at least one of these pages is open, and emits them through one
`nicegui.Event`; pages subscribe and update their labels. No page queries the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any

from nicegui import Event, run, ui
from nicegui import app as web

from app.admin import overview
from app.admin.overview import Dashboard
from app.errors import ShortlistError
from app.models import User
from app.settings import LANES, get_settings
from ui import theme
from ui.views.admin.common import admin_user

PATH = "/admin"
TITLE = "Overview"


# --- The live feed ------------------------------------------------------------------------


class Feed:
    """This process's dashboard numbers, pushed to every open operations page."""

    def __init__(self) -> None:
        self.event: Event = Event()
        self.refresher = overview.Refresher(overview.shared, self.event.emit,
                                            wanted=lambda: bool(self.event.callbacks))

    def subscribe(self, callback: Callable[[Dashboard], Any]) -> None:
        self.event.subscribe(callback)  # NiceGUI unsubscribes it when the client goes

    async def refresh_now(self) -> Dashboard:
        """Recompute at once and tell every open page (after an admin's action)."""
        return await self.refresher.refresh_now()


# Replaced by register() at each app start (tests start the app once per test).
feed = Feed()


# --- Shared page pieces -------------------------------------------------------------------


# A page opened while the shared numbers are at most this old shows them at once (no
# query while the page is built) and gets newer ones through the feed a moment later.
SHOW_AT_ONCE_S = 60.0


async def load(user: User) -> Dashboard | str:
    """The shared numbers, or the sentence to show instead."""
    try:
        dashboard = overview.cached_dashboard(user, SHOW_AT_ONCE_S)
        if dashboard is None:
            return await run.io_bound(overview.dashboard, user)
    except ShortlistError as exc:
        return exc.message
    if overview.shared.age_s() > get_settings().dashboard_refresh_s:
        feed.refresher.catch_up()
    return dashboard


def dashboard_page(path: str, title: str, build) -> None:
    """Declare a page built from the shared numbers: the admin check, the numbers (or the
    sentence saying why there are none), then `build(user, dashboard)`."""

    @ui.page(path)
    async def page():
        user, response = admin_user(path)  # signed out: sign in; a recruiter: not found
        if user is None:
            return response
        dashboard = await load(user)
        if isinstance(dashboard, str):
            unavailable(user, title, path, dashboard)
            return None
        build(user, dashboard)
        return None


def unavailable(user: User, title: str, path: str, message: str) -> None:
    with theme.admin_frame(user, title, path):
        with ui.card().classes("w-full items-center q-pa-xl sl-card"):
            ui.icon("cloud_off").classes("text-5xl sl-muted")
            ui.label(message).classes("text-h6 text-center").props("role=alert").mark(
                "unavailable")


def set_text(label: ui.label, text: str) -> None:
    if label.text != text:  # only changes travel to the browser
        label.text = text


def count_text(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def age_text(seconds: float | None) -> str:
    """'12 s', '4 min', '2 h 5 min', '3 days 4 h'; '-' when there is none."""
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return (f"{days} day{'s' if days > 1 else ''}" + (f" {hours} h" if hours else ""))


def percent_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f} %"


def rate_text(per_minute: float) -> str:
    return f"{per_minute:,.1f}"


def footer(dashboard: Dashboard) -> str:
    text = (f"Updated {dashboard.computed_at.astimezone(timezone.utc):%H:%M:%S} UTC; numbers"
            " refresh on their own every few seconds.")
    if not dashboard.broker_up:
        text = "The broker did not answer: queue depths are unknown. " + text
    return f"{dashboard.problem} {text}" if dashboard.problem else text


# --- The overview --------------------------------------------------------------------------

LANE_COLUMNS = (
    ("queue_depth", "In the broker", lambda lane: count_text(lane.queue_depth)),
    ("pending", "Waiting in the database", lambda lane: count_text(lane.pending)),
    ("running", "Running", lambda lane: count_text(lane.running)),
    ("done", "Done (last hour)", lambda lane: count_text(lane.done_last_hour)),
    ("failed", "Failed (last hour)", lambda lane: count_text(lane.failed_last_hour)),
    ("per_minute", "Per minute", lambda lane: rate_text(lane.per_minute)),
    ("oldest", "Oldest waiting", lambda lane: age_text(lane.oldest_waiting_s)),
    ("state", "State", lambda lane: "Paused" if lane.paused else "Running"),
)


def _chart_options(series: overview.Series, label_format: str) -> dict:
    labels = [s.strftime(label_format) for s in series.starts()]
    return {
        "tooltip": {"trigger": "axis"},
        # Above the plot: left to the default it sat on the x-axis labels.
        "legend": {"data": ["Done", "Failed"], "textStyle": {"color": "gray"}, "top": 0,
                   "left": "center"},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": labels, "name": "UTC"},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "Done", "type": "bar", "stack": "items", "data": list(series.done),
             "itemStyle": {"color": "#1f8a4c"}},
            {"name": "Failed", "type": "bar", "stack": "items", "data": list(series.failed),
             "itemStyle": {"color": "#c62828"}},
        ],
    }


class OverviewView:
    def __init__(self, user: User, dashboard: Dashboard) -> None:
        self.user = user
        self.dashboard = dashboard
        self.cells: dict[str, ui.label] = {}
        self.range = "hour"

    def build(self) -> None:
        with theme.admin_frame(self.user, TITLE, PATH):
            with ui.row().classes("w-full gap-3 wrap"):
                for key, label in (("waiting", "Waiting in the database"),
                                   ("broker", "In the broker"), ("running", "Running"),
                                   ("finished", "Finished in the last hour"),
                                   ("failure_rate", "Failure rate (last hour)"),
                                   ("workers", "Workers running")):
                    with ui.card().classes("sl-card q-pa-md gap-0").style("min-width: 10rem"):
                        ui.label(label).classes("text-caption sl-muted")
                        self.cells[key] = ui.label().classes("text-h5").mark(key)
            with ui.card().classes("w-full sl-card q-pa-md"):
                ui.label("Lanes").classes("text-h6")
                # Its own width, scrolled sideways on a phone (squeezed, it overlapped itself).
                with ui.element("div").classes("w-full").style(
                        "overflow-x: auto; padding-bottom: 10px"), \
                        ui.grid(columns=f"auto repeat({len(LANE_COLUMNS)}, minmax(4.5rem, auto))"
                                ).classes("w-full gap-x-4 gap-y-1 items-center").style(
                            "min-width: 44rem").mark("lanes"):
                    ui.label("Lane").classes("text-weight-bold")
                    for _, header, _ in LANE_COLUMNS:
                        ui.label(header).classes("text-weight-bold text-caption")
                    for lane in LANES:
                        ui.label(lane.capitalize())
                        for key, _, _ in LANE_COLUMNS:
                            self.cells[f"{lane}-{key}"] = ui.label().mark(f"lane-{lane}-{key}")
            with ui.card().classes("w-full sl-card q-pa-md gap-2"):
                with ui.row().classes("w-full items-center justify-between"):
                    ui.label("Throughput").classes("text-h6")
                    ui.toggle({"hour": "Last hour, by minute", "week": "Last 7 days, by hour"},
                              value=self.range, on_change=lambda e: self.show_range(e.value)
                              ).props("no-caps dense").mark("range")
                self.week_rate = ui.label().classes("text-caption sl-muted").mark("week-rate")
                self.chart = ui.echart(self._options()).classes("w-full").style(
                    "height: 18rem").mark("chart")
            self.updated = ui.label().classes("text-caption sl-muted").mark("updated")
        self.show(self.dashboard)
        feed.subscribe(self.show)

    def _options(self) -> dict:
        if self.range == "week":
            return _chart_options(self.dashboard.last_week, "%d %b %H:00")
        return _chart_options(self.dashboard.last_hour, "%H:%M")

    def show_range(self, value: str) -> None:
        self.range = value
        self._update_chart()

    def _update_chart(self) -> None:
        options = self._options()
        if self.chart.options != options:
            self.chart.options.clear()
            self.chart.options.update(options)
            self.chart.update()

    def show(self, dashboard: Dashboard) -> None:
        self.dashboard = d = dashboard
        set_text(self.cells["waiting"], count_text(sum(lane.pending for lane in d.lanes)))
        depths = [lane.queue_depth for lane in d.lanes]
        set_text(self.cells["broker"], count_text(None if None in depths else sum(depths)))
        set_text(self.cells["running"], count_text(sum(lane.running for lane in d.lanes)))
        set_text(self.cells["finished"], count_text(d.done_last_hour + d.failed_last_hour))
        set_text(self.cells["failure_rate"], percent_text(d.failure_rate_last_hour))
        lost = d.workers_in("lost")
        workers = count_text(d.workers_in("running")) if d.workers_up else "?"
        set_text(self.cells["workers"], workers + (f" ({lost} lost)" if lost else ""))
        for lane in d.lanes:
            for key, _, text in LANE_COLUMNS:
                set_text(self.cells[f"{lane.lane}-{key}"], text(lane))
        set_text(self.week_rate, "Failure rate over the last 7 days: "
                 + percent_text(d.last_week.failure_rate))
        set_text(self.updated, footer(d))
        self._update_chart()


def register() -> None:
    global feed
    feed = Feed()
    web.on_startup(feed.refresher.start)
    web.on_shutdown(feed.refresher.stop)

    dashboard_page(PATH, TITLE, lambda user, dashboard: OverviewView(user, dashboard).build())
