"""On a finished screening's page: how long it is kept, keep it longer, delete it now
(app.recruiting.retention and app.engine.batches.delete decide; this shows and asks)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import run, ui

from app.accounts.permissions import can_submit
from app.engine import batches
from app.errors import ShortlistError
from app.models import Batch, User
from app.recruiting import retention
from app.settings import get_settings
from ui.live import Snapshot
from ui.words import date_text


class RetentionLine:
    def __init__(self, user: User, batch: Batch, viewer: Callable[[], User | None]) -> None:
        # `viewer` reloads the page's user: live updates arrive outside any request.
        self.user, self.batch, self.viewer = user, batch, viewer
        self.longest = get_settings().retention_max_days
        self._loaded_for: str | None = None

    def build(self) -> None:
        with ui.row().classes("w-full items-center gap-x-3 gap-y-1").mark("retention") as row:
            self.row = row
            with ui.row().classes("items-start gap-2 no-wrap"):  # the icon stays with its line
                ui.icon("schedule", size="xs").classes("sl-muted")
                self.kept = ui.label().classes("text-caption sl-muted sl-wrap").mark(
                    "kept-until")
            can_change = can_submit(self.user)
            self.keep_button = ui.button(
                f"Keep for {self.longest} days", on_click=self.keep).props(
                "flat dense no-caps size=sm").mark("keep-longer")
            self.delete_button = ui.button(
                "Delete screening", icon="delete_outline",
                on_click=lambda: self.confirm.open()).props(
                "flat dense no-caps size=sm color=negative").mark("delete-screening")
            self.keep_button.set_visibility(can_change)
            self.delete_button.set_visibility(can_change)
        with ui.dialog() as self.confirm, ui.card().classes("gap-3 q-pa-lg"):
            ui.label("Delete this screening now?").classes("text-h6")
            ui.label("Its shortlist, reports and the resumes uploaded for it are deleted for"
                     " good. This cannot be undone.").classes("sl-wrap")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep it", on_click=self.confirm.close).props("flat no-caps")
                ui.button("Delete screening", on_click=self.delete).props(
                    "unelevated no-caps color=negative").mark("confirm-delete")
        row.set_visibility(False)

    def show(self, state: Snapshot) -> None:
        """Shown once the screening has finished (it is kept as long as it runs)."""
        self.row.set_visibility(state.finished)
        if state.finished and self._loaded_for != state.status:
            self._loaded_for = state.status
            user = self.viewer()
            if user is not None:
                try:
                    self.batch = batches.get_batch(user, self.batch.id)
                except ShortlistError:
                    return
            self._say()

    def _say(self) -> None:
        until = self.batch.expires_at
        self.kept.text = (f"Kept until {date_text(until)}, then deleted with its resumes."
                          if until else "Kept while it runs.")

    async def keep(self) -> None:
        user = self.viewer()
        if user is None:
            return
        try:
            self.batch = await run.io_bound(retention.keep, user, self.batch.id, self.longest)
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
            return
        self._say()
        ui.notify(f"Kept until {date_text(self.batch.expires_at)}.", type="positive")

    async def delete(self) -> None:
        self.confirm.close()
        user = self.viewer()
        if user is None:
            return
        try:
            await run.io_bound(batches.delete, user, self.batch.id)
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
            return
        ui.navigate.to("/?deleted=1")
