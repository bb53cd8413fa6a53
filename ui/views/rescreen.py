"""New screening from resumes already here: an earlier screening's (its opening filled in
to edit) or candidates chosen in the pool; in place of the drop zone, the resumes it will
screen (app.recruiting.rescreen). Nothing to upload.
"""

from __future__ import annotations

import uuid

from nicegui import run, ui

from app.engine import batches
from app.errors import ShortlistError
from app.models import Batch, User
from app.recruiting import candidates, rescreen
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


class _KeptResumesForm(NewScreeningForm):
    """New screening of resumes already stored: in place of the drop zone, a card saying
    which ones (`describe`), nothing to upload."""

    icon = "replay"

    def describe(self) -> str:
        raise NotImplementedError

    def links(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def build_resumes(self) -> None:
        with ui.card().classes("w-full gap-2 sl-card").mark("rescreen-source"):
            ui.label("Resumes").classes("text-h6")
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon(self.icon, size="sm").classes("text-primary")
                ui.label(self.describe()).classes("sl-wrap").mark("rescreen-count")
            ui.label("Nothing to upload: what was read from each file is reused, so only the"
                     " scoring runs and the new shortlist is ready in moments.").classes(
                "sl-muted")
            with ui.row().classes("gap-4"):
                for text, target in self.links():
                    ui.link(text, target).classes("sl-link")

    def show_files(self) -> None:
        pass  # no uploads here

    def has_resumes(self) -> bool:
        return True


class RescreenForm(_KeptResumesForm):
    def __init__(self, user: User, settings: Settings, source: Batch) -> None:
        super().__init__(user, settings)
        self.source = source

    def build(self) -> None:
        super().build()
        self.prefill(self.source.params or {})
        self.show_suggestions()

    def describe(self) -> str:
        n, title = self.source.total, self.source.title or "Untitled opening"
        return f"The {n} resume{'s' if n != 1 else ''} of “{title}”, screened again for this opening."

    def links(self) -> list[tuple[str, str]]:
        return [("See the earlier shortlist", f"/screenings/{self.source.id}"),
                ("Upload other resumes instead", "/new")]

    async def start(self, user: User) -> Batch | None:
        return await run.io_bound(
            rescreen.rescreen, user, self.source.id, params=self.opening(),
            title=self.title.value or "", idempotency_key=self.idempotency_key)


MAX_CHOSEN = 1_000


def candidate_ids(user: User, text: str) -> list[int]:
    """The ids of `?candidates=1,2,3` (the Candidates page's selection) when every one is
    in the user's pool; [] otherwise (the page then offers a plain new screening)."""
    try:
        ids = list(dict.fromkeys(int(part) for part in text.split(",") if part.strip()))
    except ValueError:
        return []
    if not 0 < len(ids) <= MAX_CHOSEN or not all(0 < i < 2**63 for i in ids):
        return []
    return ids if candidates.owned(user, ids) == ids else []


class CandidatesForm(_KeptResumesForm):
    icon = "groups"

    def __init__(self, user: User, settings: Settings, chosen: list[int]) -> None:
        super().__init__(user, settings)
        self.chosen = chosen

    def describe(self) -> str:
        n = len(self.chosen)
        return (f"The latest resume of the {n} candidate{'s' if n != 1 else ''} you chose,"
                " screened for this opening.")

    def links(self) -> list[tuple[str, str]]:
        return [("Back to the candidates", "/candidates"), ("Upload resumes instead", "/new")]

    async def start(self, user: User) -> Batch | None:
        return await run.io_bound(
            rescreen.screen_candidates, user, self.chosen, params=self.opening(),
            title=self.title.value or "", idempotency_key=self.idempotency_key)
