"""The line under a waiting screening's progress: why it waits, and when it should start.

A waiting batch has no events of its own until it starts (nothing of it changes), so
while it waits the line looks again every REFRESH_S; the timer stops once it started.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from app.engine import batches
from app.errors import ShortlistError
from app.models import User
from ui import words
from ui.live import Snapshot

REFRESH_S = 5.0


class WaitingLine:
    def __init__(self, batch_id: str, viewer: Callable[[], User | None]) -> None:
        # `viewer` reloads the page's user: timers and live updates have no request.
        self.batch_id, self.viewer = batch_id, viewer

    def build(self) -> None:
        with ui.row().classes("items-start gap-2 no-wrap").mark("waiting") as self.row:
            ui.icon("hourglass_empty", size="xs").classes("sl-muted")
            self.label = ui.label().classes("text-caption sl-wrap").props(
                "role=status aria-live=polite")
        self.timer = ui.timer(REFRESH_S, self.refresh, active=False)

    def show(self, state: Snapshot) -> None:
        waiting = state.status == "queued"
        self.row.set_visibility(waiting)
        if waiting and not self.timer.active:
            self.refresh()
        self.timer.active = waiting

    def refresh(self) -> None:
        user = self.viewer()
        if user is None or self.label.is_deleted:
            self.timer.active = False
            return
        try:
            _, waiting = batches.get_batch_waiting(user, self.batch_id)
        except ShortlistError:
            self.timer.active = False
            return
        self.label.text = words.waiting_text(
            waiting.waiting_reason, waiting.estimated_start, waiting.estimated_finish)
        self.row.set_visibility(bool(self.label.text))
