"""On a screening's page: add more resumes to it, running or finished.

A dialog with a drop zone; the files are unpacked and checked as on New screening
(app.recruiting.uploads) and added by app.engine.additions. The page's live updates
then show them being screened and ranked with the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import events, run, ui

from app.engine import additions
from app.errors import ShortlistError
from app.models import Batch, User
from app.recruiting import uploads
from app.settings import get_settings
from ui import words
from ui.components import ACCEPT, DROP_ZONE


class AddResumes:
    def __init__(self, batch: Batch, viewer: Callable[[], User | None]) -> None:
        # `viewer` reloads the page's user (an upload's handler has no session to read).
        self.batch, self.viewer = batch, viewer

    def build(self) -> None:
        settings = get_settings()
        with ui.dialog().props("aria-label='Add resumes'") as self.dialog, ui.card().classes(
                "gap-3 q-pa-lg w-full max-w-lg"):
            ui.label("Add resumes to this screening").classes("text-h6")
            ui.label("They are screened against the same opening and ranked with the rest."
                     " PDF, Word (.docx), text or ZIP files.").classes("sl-muted sl-wrap")
            with ui.element("div").classes("w-full sl-drop"):
                self.upload = ui.upload(
                    multiple=True, auto_upload=True, max_total_size=settings.max_upload_bytes,
                    max_files=settings.max_files_per_upload, on_multi_upload=self.receive,
                ).props(f"accept='{ACCEPT}' flat bordered").classes("w-full").mark(
                    "add-upload")
                # The New screening page's drop zone: the same look, a button too.
                self.upload.add_slot("header", DROP_ZONE)
            self.outcome = ui.column().classes("w-full gap-1").mark("add-outcome")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=self.dialog.close).props("flat no-caps")

    def open(self) -> None:
        self.outcome.clear()
        self.dialog.open()

    async def receive(self, e: events.MultiUploadEventArguments) -> None:
        user = self.viewer()
        if user is None:
            return
        files = [(f.name, await f.read()) for f in e.files]
        self.upload.reset()
        self.outcome.clear()
        try:
            prepared = await run.io_bound(uploads.prepare, files)
            added = 0
            if prepared.items:
                await run.io_bound(additions.add_items, user, self.batch.id, prepared.items)
                added = len(prepared.items)
        except ShortlistError as exc:
            with self.outcome:
                ui.label(exc.message).classes("text-negative sl-wrap").props("role=alert")
            return
        with self.outcome:
            if added:
                ui.label(f"{words.plural(added, 'resume')} added: they are being screened"
                         " now.").classes("text-positive").mark("added")
            for rejected in prepared.rejected:
                ui.label(f"{rejected.name}: {rejected.reason}").classes(
                    "text-negative sl-wrap")
