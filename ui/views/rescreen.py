"""New screening from an earlier one: its resumes for another opening, nothing to upload.

The form is the New screening form with the earlier opening filled in (to edit) and, in
place of the drop zone, the resumes it will screen again (app.recruiting.rescreen).
"""

from __future__ import annotations

import uuid

from nicegui import run, ui

from app.engine import batches
from app.errors import ShortlistError
from app.models import Batch, User
from app.recruiting import rescreen
from app.settings import Settings
from ui.views.new import NewScreeningForm


def readable_source(user: User, batch_id: str) -> Batch | None:
    """The earlier screening, if it exists, is the user's (or they are an admin) and holds
    resumes; None otherwise (the page then offers a plain new screening)."""
    try:
        batch = batches.get_batch(user, uuid.UUID(batch_id))
    except (ValueError, ShortlistError):
        return None
    return batch if batch.kind == "resume" else None


class RescreenForm(NewScreeningForm):
    def __init__(self, user: User, settings: Settings, source: Batch) -> None:
        super().__init__(user, settings)
        self.source = source

    def build(self) -> None:
        super().build()
        self.prefill(self.source.params or {})
        self.show_suggestions()

    def build_resumes(self) -> None:
        source = self.source
        title = source.title or "Untitled opening"
        with ui.card().classes("w-full gap-2 sl-card").mark("rescreen-source"):
            ui.label("Resumes").classes("text-h6")
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("replay", size="sm").classes("text-primary")
                ui.label(f"The {source.total} resume{'s' if source.total != 1 else ''} of"
                         f" “{title}”, screened again for this opening.").classes(
                    "sl-wrap").mark("rescreen-count")
            ui.label("Nothing to upload: what was read from each file is reused, so only the"
                     " scoring runs and the new shortlist is ready in moments.").classes(
                "sl-muted")
            with ui.row().classes("gap-4"):
                ui.link("See the earlier shortlist", f"/screenings/{source.id}")
                ui.link("Upload other resumes instead", "/new")

    def show_files(self) -> None:
        pass  # no uploads here

    def has_resumes(self) -> bool:
        return True

    async def start(self, user: User) -> Batch | None:
        return await run.io_bound(
            rescreen.rescreen, user, self.source.id, params=self.opening(),
            title=self.title.value or "", idempotency_key=self.idempotency_key)
