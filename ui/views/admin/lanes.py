"""Admin dashboard: the lanes view. Pause and resume a lane, with its state, who changed it
and when, and its numbers.

The rule lives in app.engine.lanes (which also refuses read-only admins and recruiters); this
page only asks it, then refreshes the shared numbers so every open dashboard sees the
change at once.
"""

from __future__ import annotations

from nicegui import ui

from app.admin.overview import Dashboard, LaneOverview
from app.engine import batches
from app.engine import lanes as lane_service
from app.models import User
from app.settings import LANES, get_settings
from ui import theme, words
from ui.views.admin import common
from ui.views.admin import overview as shared

PATH = "/admin/lanes"
TITLE = "Lanes"
NUMBERS = [c for c in shared.LANE_COLUMNS if c[0] != "state"]


def changed_text(lane: LaneOverview) -> str:
    if lane.changed_at is None:
        return "Never paused." if not lane.paused else "Paused."
    who = lane.changed_by or "an admin who no longer exists"
    what = "Paused" if lane.paused else "Resumed"
    return f"{what} by {who}, {common.when(lane.changed_at)}."


class LanesView:
    def __init__(self, user: User) -> None:
        self.user = user
        self.can_change = common.can_change(user)
        self.cells: dict[str, ui.label] = {}
        self.actions: dict[str, ui.row] = {}
        self.paused: dict[str, bool | None] = dict.fromkeys(LANES)

    def build(self, dashboard: Dashboard) -> None:
        with theme.admin_frame(self.user, TITLE, PATH):
            ui.label("A paused lane starts nothing new: no new screening, and no next item of a"
                     " running one. What is already with the workers finishes. Resuming sends"
                     " the waiting items at once.").classes("sl-muted sl-wrap")
            common.read_only_note(self.user)
            for lane in LANES:
                self._card(lane)
            self.updated = ui.label().classes("text-caption sl-muted").mark("updated")
            self.confirm = common.Confirm()
        self.show(dashboard)
        shared.feed.subscribe(self.show)

    def _card(self, lane: str) -> None:
        with ui.card().classes("w-full sl-card q-pa-md gap-2").mark(f"lane-{lane}"):
            with ui.row().classes("w-full items-center justify-between gap-2"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(lane.capitalize()).classes("text-h6")
                    self.cells[f"{lane}-badge"] = ui.badge().props("rounded").classes(
                        "q-px-sm").mark("lane-state")
                self.actions[lane] = ui.row().classes("items-center gap-2")
            self.cells[f"{lane}-changed"] = ui.label().classes("text-body2 sl-muted").mark(
                "changed")
            weights = get_settings().lane_weights
            ui.label(f"Weight {weights[lane]}: while every lane has work, it starts"
                     f" {weights[lane]} of every {sum(weights.values())} files a worker takes;"
                     " an idle lane lends its share to the others.").classes(
                "text-body2 sl-muted sl-wrap").mark("weight")
            with ui.row().classes("w-full gap-6 wrap"):
                for key, header, _ in NUMBERS:
                    with ui.column().classes("gap-0"):
                        ui.label(header).classes("text-caption sl-muted")
                        self.cells[f"{lane}-{key}"] = ui.label().classes("text-body1").mark(key)

    def _buttons(self, lane: str, paused: bool) -> None:
        box = self.actions[lane]
        box.clear()
        with box:
            if paused:
                button = ui.button("Resume", icon="play_arrow",
                                   on_click=lambda: self.resume(lane)).props(
                    "unelevated no-caps color=positive").mark(f"resume-{lane}")
            else:
                button = ui.button("Pause", icon="pause",
                                   on_click=lambda: self.ask_pause(lane)).props(
                    "outline no-caps color=warning").mark(f"pause-{lane}")
            if not self.can_change:
                button.disable()
                button.tooltip(common.READ_ONLY_HINT)

    def show(self, dashboard: Dashboard) -> None:
        for lane in dashboard.lanes:
            badge = self.cells[f"{lane.lane}-badge"]
            shared.set_text(badge, "Paused" if lane.paused else "Running")
            badge.props(f"color={'warning' if lane.paused else 'positive'}")
            shared.set_text(self.cells[f"{lane.lane}-changed"], changed_text(lane))
            for key, _, text in NUMBERS:
                shared.set_text(self.cells[f"{lane.lane}-{key}"], text(lane))
            if self.paused[lane.lane] != lane.paused:
                self.paused[lane.lane] = lane.paused
                self._buttons(lane.lane, lane.paused)
        shared.set_text(self.updated, shared.footer(dashboard))

    # --- Actions (each checked again by app.engine.lanes) -----------------------------------------

    def ask_pause(self, lane: str) -> None:
        self.confirm.ask(
            f"Pause the {lane} lane?",
            "Nothing new starts in it until it is resumed: no new screening, no next file"
            " of a running one. Files already with the workers finish.",
            "Pause the lane", lambda: self.pause(lane), danger=True)

    async def pause(self, lane: str) -> None:
        done = await common.run_action(
            PATH, lambda user: lane_service.pause(user, lane) or True,
            done=f"The {lane} lane is paused: nothing new starts in it.")
        if done:
            await shared.feed.refresh_now()

    async def resume(self, lane: str) -> None:
        sent = await common.run_action(
            PATH, lambda user: batches.resume_lane(user, lane),
            done=lambda n: f"The {lane} lane runs again;"
                           f" {words.plural(n, 'waiting item')} sent to the workers.")
        if sent is not None:
            await shared.feed.refresh_now()


def register() -> None:
    shared.dashboard_page(PATH, TITLE, lambda user, dashboard: LanesView(user).build(dashboard))
