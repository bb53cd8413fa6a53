"""The hiring team's part of a candidate's details: status, star, tags and notes.

Changes go through app.recruiting.decisions (permissions and rules live there) and are
published, so other open pages of the screening redraw; this panel redraws from the
database after each change and when another person's change arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import ui

from app.recruiting import decisions
from ui import words
from ui.components import act


class DecisionPanel:
    def __init__(self, user, item_id: int, can_change: bool,
                 viewer: Callable[[], object | None]) -> None:
        self.user = user
        self.item_id = item_id
        self.can_change = can_change
        self.viewer = viewer
        self.box = ui.column().classes("w-full gap-2").mark("decision")
        self.redraw()

    def _who(self):
        return self.viewer() or self.user

    def redraw(self) -> None:
        user = self._who()
        try:
            decision = decisions.decision_of(user, self.item_id)
            notes = decisions.notes_of(user, self.item_id)
        except Exception:  # noqa: BLE001  (deleted meanwhile: keep what is shown)
            return
        self.box.clear()
        with self.box:
            with ui.row().classes("w-full items-center gap-2"):
                star = ui.button(icon="star" if decision.starred else "star_outline",
                                 on_click=lambda: self.change(starred=not decision.starred))
                star.props("flat round color=amber-8").mark("star")
                star._props["aria-label"] = "Unstar" if decision.starred else "Star"
                star._props["aria-pressed"] = "true" if decision.starred else "false"
                status = ui.select(decisions.STATUS_WORDS, value=decision.status,
                                   label="Status",
                                   on_change=lambda e: e.value != decision.status and
                                   self.change(status=e.value)).props(
                    "outlined dense options-dense").classes("w-40").mark("status")
                tags = ui.input_chips("Tags", value=list(decision.tags),
                                      on_change=lambda e: self.change_tags(e.value)).props(
                    "outlined dense").classes("col-grow").mark("tags")
                for control in (star, status, tags):
                    control.set_enabled(self.can_change)
            ui.label(f"Notes ({len(notes)})").classes("text-subtitle2")
            for note in notes:
                with ui.column().classes("w-full gap-0").mark(f"note-{note.id}"):
                    edited = " (edited)" if note.updated_at else ""
                    ui.label(f"{note.author} · {words.when_text(note.created_at)}{edited}"
                             ).classes("text-caption sl-muted sl-wrap")
                    ui.label(note.text).classes("text-body2 sl-wrap").style(
                        "white-space: pre-wrap")
                    if note.author_id == getattr(user, "id", None) and self.can_change:
                        with ui.row().classes("gap-1"):
                            ui.button("Edit", on_click=lambda n=note: self.edit(n)).props(
                                "flat dense no-caps size=sm").mark(f"edit-note-{note.id}")
                            ui.button("Delete", on_click=lambda n=note: self.delete(n)).props(
                                "flat dense no-caps size=sm color=negative").mark(
                                f"delete-note-{note.id}")
            if self.can_change:
                self.new_note = ui.textarea(placeholder="Add a note for the hiring team").props(
                    "outlined dense autogrow").classes("w-full").mark("new-note")
                self.new_note._props["aria-label"] = "New note"
                ui.button("Add note", icon="note_add", on_click=self.add).props(
                    "outline no-caps").mark("add-note")

    async def _run(self, action, done: str | None = None) -> None:
        if await act(lambda: asyncio.to_thread(action), done=done) is not None:
            self.redraw()
        else:
            self.redraw()  # refused: show what is stored again

    async def change(self, **given) -> None:
        user = self._who()
        await self._run(lambda: decisions.decide(user, self.item_id, **given))

    async def change_tags(self, tags: list[str]) -> None:
        await self.change(tags=list(tags or []))

    async def add(self) -> None:
        user, text = self._who(), self.new_note.value
        await self._run(lambda: decisions.add_note(user, self.item_id, text), "Note added.")

    def edit(self, note: decisions.NoteView) -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full").style("max-width: 36rem"):
            ui.label("Edit your note").classes("text-h6")
            text = ui.textarea(value=note.text).props("outlined autogrow").classes(
                "w-full").mark("edit-note-text")

            async def save() -> None:
                dialog.close()
                user, value = self._who(), text.value
                await self._run(lambda: decisions.edit_note(user, note.id, value), "Saved.")

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Save", on_click=save).props("no-caps").mark("save-note")
        dialog.open()

    async def delete(self, note: decisions.NoteView) -> None:
        user = self._who()
        await self._run(lambda: decisions.delete_note(user, note.id), "Note deleted.")
