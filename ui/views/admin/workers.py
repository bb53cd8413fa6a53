"""Admin dashboard: the workers view. Every worker process as it reports itself: host, pid,
lanes, threads, the items it is on, when it was last heard from; lost and stopped ones.

The list comes from the shared dashboard numbers (ui.views.admin.overview.feed), so it
follows the workers live without a query per viewer. Workers publish no event: their
state is their heartbeat (a report written to Redis every WORKER_HEARTBEAT_S, and "lost"
is the absence of one), so one timer per web process re-reads the reports every
DASHBOARD_REFRESH_S while a dashboard page is open, and every open page gets the result.
"Pause updates" keeps the cards still; the latest numbers show on resume.
"""

from __future__ import annotations

from nicegui import ui

from app.admin.overview import Dashboard
from app.admin.workers import LOST, STOPPED, WorkerInfo
from app.models import User
from ui import theme
from ui.views.admin import common
from ui.views.admin import overview as shared
from ui.views.admin.live_list import LiveBar

PATH = "/admin/workers"
TITLE = "Workers"

STATE_WORDS = {"running": "Running", LOST: "Lost", STOPPED: "Stopped"}
STATE_COLORS = {"running": "positive", LOST: "negative", STOPPED: "grey-7"}
STATE_HELP = {
    LOST: "Not heard from within its heartbeat window: the process died or its host is"
          " unreachable. Its items return to the queue when their leases expire.",
    STOPPED: "Stopped cleanly (a restart or a deploy); it handed its items back.",
}


def current_text(worker: WorkerInfo) -> str:
    if not worker.current:
        return "Idle" if worker.alive else "-"
    parts = []
    for item in worker.current:
        if item.name is None:
            parts.append(f"item {item.item_id}")
        else:
            title = f" of \u201c{item.batch_title}\u201d" if item.batch_title else ""
            parts.append(f"{item.name}{title} (item {item.item_id})")
    return "; ".join(parts)


def seen_text(worker: WorkerInfo) -> str:
    return (f"Last heard from {shared.age_text(worker.seen_s_ago)} ago"
            f" (reports every {worker.heartbeat_s:g} s)")


def summary_text(dashboard: Dashboard) -> str:
    if not dashboard.workers_up:
        return "Redis did not answer: the workers cannot be listed right now."
    if not dashboard.workers:
        return ("No worker has reported itself. Items wait until a worker process starts"
                " (Procfile `worker`, or `python -m app serve`).")
    running = dashboard.workers_in("running")
    threads = sum(w.threads for w in dashboard.workers if w.alive)
    text = f"{running} running, {threads} threads in all"
    for state in (LOST, STOPPED):
        if n := dashboard.workers_in(state):
            text += f"; {n} {STATE_WORDS[state].lower()}"
    return text + "."


class WorkersView:
    def __init__(self, user: User, dashboard: Dashboard) -> None:
        self.user = user
        self.shown: tuple | None = None
        self.seen: dict[str, ui.label] = {}
        self.latest = dashboard

    def build(self, dashboard: Dashboard) -> None:
        with theme.admin_frame(self.user, TITLE, PATH):
            self.summary = ui.label().classes("text-body1").mark("workers-summary")
            self.live = LiveBar(lambda: self.show(self.latest),
                                live_text="Updates every few seconds from the workers' reports.")
            self.box = ui.column().classes("w-full gap-2").mark("workers")
            self.updated = ui.label().classes("text-caption sl-muted").mark("updated")
        self.show(dashboard)
        shared.feed.subscribe(self.follow)

    def follow(self, dashboard: Dashboard) -> None:
        self.latest = dashboard
        self.live.control.changed()

    def show(self, dashboard: Dashboard) -> None:
        shared.set_text(self.summary, summary_text(dashboard))
        shared.set_text(self.updated, shared.footer(dashboard))
        # Redraw the cards only when the workers changed; else only "last heard from".
        key = tuple((w.id, w.state, w.current, w.lanes, w.threads) for w in dashboard.workers)
        if key == self.shown:
            for w in dashboard.workers:
                shared.set_text(self.seen[w.id], seen_text(w))
            return
        self.shown = key
        self.box.clear()
        self.seen = {}
        with self.box:
            for worker in dashboard.workers:
                self._card(worker)

    def _card(self, w: WorkerInfo) -> None:
        with ui.card().classes("w-full sl-card q-pa-md gap-1").mark(f"worker-{w.id}"):
            with ui.row().classes("w-full items-center justify-between no-wrap gap-2"):
                with ui.row().classes("items-center gap-2"):
                    ui.icon("dns").classes("text-xl sl-muted")
                    ui.label(w.host).classes("text-h6 sl-wrap")
                    ui.label(f"pid {w.pid}").classes("sl-muted")
                ui.badge(STATE_WORDS[w.state]).props(
                    f"color={STATE_COLORS[w.state]} rounded").classes("q-px-sm").mark("state")
            ui.label(f"Lanes: {', '.join(w.lanes) or 'none'} · {w.threads} threads"
                     f" · started {common.when(w.started_at)}").classes(
                "text-body2").mark("lanes")
            ui.label(f"Working on: {current_text(w)}").classes("text-body2 sl-wrap").mark(
                "current")
            self.seen[w.id] = ui.label(seen_text(w)).classes("text-caption sl-muted").mark(
                "seen")
            if w.state in STATE_HELP:
                ui.label(STATE_HELP[w.state]).classes("text-caption sl-wrap")


def register() -> None:
    shared.dashboard_page(PATH, TITLE, lambda user, dashboard: WorkersView(user, dashboard).build(dashboard))
