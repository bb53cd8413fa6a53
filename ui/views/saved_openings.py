"""Saved openings on the New screening page: start from one, save the one typed in,
delete one no longer used (app.recruiting.openings)."""

from __future__ import annotations

from typing import Protocol

from nicegui import run, ui

from app.errors import ShortlistError
from app.recruiting import openings
from ui import auth


class OpeningForm(Protocol):
    def opening(self) -> dict: ...
    def prefill(self, opening: dict) -> None: ...


class SavedOpeningsBar:
    def __init__(self, form: OpeningForm) -> None:
        self.form = form
        self.saved: dict[int, dict] = {}

    def build(self) -> None:
        with ui.row().classes("w-full items-center gap-2").mark("saved-openings"):
            self.choice = ui.select(
                {}, label="Start from a saved opening", clearable=True,
                on_change=lambda e: self.use(e.value)).props(
                "outlined dense options-dense").classes("grow min-w-[12rem]").mark(
                "saved-choice")
            self.delete_button = ui.button(
                icon="delete_outline", on_click=self.delete).props(
                "flat round aria-label='Delete this saved opening'").mark("saved-delete")
            self.delete_button.tooltip("Delete this saved opening")
            ui.button("Save opening", icon="bookmark_add", on_click=self.save).props(
                "outline no-caps").mark("saved-save")
        self.refresh()

    def refresh(self, selected: int | None = None) -> None:
        user = auth.current_user()
        rows = openings.list_openings(user) if user else []
        self.saved = {o.id: o.params for o in rows}
        self.choice.set_options({o.id: o.title for o in rows}, value=selected)
        self.choice.set_visibility(bool(rows))
        self.delete_button.set_visibility(selected is not None)

    def use(self, opening_id: int | None) -> None:
        self.delete_button.set_visibility(opening_id is not None)
        if opening_id in self.saved:
            self.form.prefill(self.saved[opening_id])

    async def save(self) -> None:
        user = auth.current_user()
        if user is None:
            return
        try:
            saved = await run.io_bound(openings.save_opening, user, self.form.opening())
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
            return
        self.refresh(selected=saved.id)
        ui.notify(f"Saved “{saved.title}”: start from it next time.", type="positive")

    async def delete(self) -> None:
        user, opening_id = auth.current_user(), self.choice.value
        if user is None or opening_id is None:
            return
        try:
            await run.io_bound(openings.delete_opening, user, opening_id)
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
        self.refresh()
        ui.notify("Saved opening deleted. Screenings started from it keep their opening.")
