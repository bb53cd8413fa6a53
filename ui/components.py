"""Small building blocks shared by the pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from app.errors import ShortlistError
from ui import words
from ui.live import Follower, Snapshot

log = logging.getLogger("shortlist.ui")


def show_deleted(body: ui.element, title: str | None) -> None:
    """The page's screening was deleted while the page was open (by its owner, a teammate,
    an admin, or at the end of its keeping time): what it showed is gone, and it says so."""
    body.clear()
    with body:
        ui.link("← My screenings", "/").classes("text-body2 sl-link")
        ui.label(title or "Untitled opening").classes("text-h5 sl-wrap")
        with ui.card().classes("w-full gap-2 sl-card").mark("deleted"):
            ui.label("This screening was deleted, with its resumes and reports.").classes(
                "text-body1 sl-wrap")


class BatchProgress(ui.column):
    """Status, a progress bar, '128 of 300 resumes screened, 2 could not be read', time left."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.classes("w-full gap-1")
        with self:
            with ui.row().classes("w-full items-center justify-between no-wrap gap-2"):
                self.status = ui.badge().props("rounded").classes("text-body2 q-px-sm")
                self.eta = ui.label().classes("text-caption sl-muted text-right")
            self.bar = ui.linear_progress(value=0, show_value=False, size="10px").props(
                "rounded animation-speed=300 aria-label='Screening progress'")
            self.counts = ui.label().classes("text-body2")
        self.show(snapshot)

    def show(self, snapshot: Snapshot, follower: Follower | None = None) -> None:
        self.status.text = words.status_text(snapshot.status)
        self.status.props(f"color={words.STATUS_COLORS.get(snapshot.status, 'grey-7')}")
        self.bar.value = round(snapshot.fraction, 4)
        self.bar.props(f"color={'negative' if snapshot.status in ('failed', 'timed_out') else 'primary'}")
        self.counts.text = words.progress_text(snapshot.total, snapshot.done, snapshot.failed,
                                               snapshot.cancelled)
        eta = ""
        if follower is not None:
            elapsed, processed = follower.rate_basis()
            eta = words.time_left_text(snapshot.status, snapshot.total, snapshot.progress,
                                       elapsed, processed)
        elif snapshot.started_at is not None:
            eta = words.time_left_text(snapshot.status, snapshot.total, snapshot.progress,
                                       time.time() - snapshot.started_at)
        self.eta.text = eta


def chips(values: list[str], *, color: str, icon: str | None = None,
          empty: str = "None") -> None:
    """Skill names as small chips (text is escaped: they may come from a resume)."""
    if not values:
        ui.label(empty).classes("sl-muted text-body2")
        return
    with ui.row().classes("gap-1"):
        for value in values:
            ui.chip(value, icon=icon, color=color, text_color="white").props("dense square")


async def act(action: Callable[[], Awaitable[Any]], *, done: str | None = None) -> Any:
    """Run a recruiter's action; show a service error's message, never a traceback."""
    try:
        result = await action()
    except ShortlistError as exc:
        ui.notify(exc.message, type="warning", multi_line=True)
        return None
    except Exception:  # noqa: BLE001  (unexpected: logged, and a plain sentence shown)
        log.exception("action failed")
        ui.notify("Something went wrong on our side. Please try again in a moment.",
                  type="negative")
        return None
    if done:
        ui.notify(done, type="positive")
    return result


# The upload boxes (New screening, Add resumes). Old Word files and images too: they are
# refused on the server, listed with the reason.
ACCEPT = ".pdf,.docx,.txt,.md,.rtf,.html,.htm,.zip,.doc,.jpg,.jpeg,.png,.heic,.tif,.tiff"
DROP_ZONE = r"""
<div class="column items-center justify-center q-pa-lg text-center full-width relative-position sl-dropzone"
     role="button" tabindex="0" aria-label="Add resumes"
     @click="props.pickFiles" @keydown.enter="props.pickFiles"
     @keydown.space.prevent="props.pickFiles">
  <q-icon name="upload_file" size="3rem" color="primary" />
  <div class="text-h6 gt-xs">Drop resumes here</div>
  <div class="text-body2 gt-xs">or click to choose files: PDF, Word, text or ZIP</div>
  <div class="text-h6 xs">Choose resumes</div>
  <div class="text-body2 xs">PDF, Word, text or ZIP files</div>
  <div v-if="props.isUploading" class="row items-center q-gutter-sm q-mt-sm">
    <q-spinner size="1.5rem" /><span>Uploading {{ props.uploadProgressLabel }}</span>
  </div>
  <q-uploader-add-trigger />
</div>
"""
