"""One file of a screening: its state, every attempt made at it, and, for whoever may
change the screening, "Try again" and "Dismiss". Reached from the screening's failed files
and the admin's failures view."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from app.accounts.permissions import can_act, is_admin
from app.engine import batches, items
from app.errors import ShortlistError
from ui import auth, live, theme, words
from ui.components import act, show_deleted
from ui.views.admin import common

ITEM_WORDS = {
    "pending": ("Waiting to be sent to a worker", "grey-7"),
    "queued": ("In line for a worker", "grey-7"),
    "running": ("Being read now", "primary"),
    "done": ("Screened", "positive"),
    "failed": ("Could not be read", "negative"),
    "cancelled": ("Not screened: the screening was cancelled", "grey-7"),
}
OUTCOME_WORDS = {
    "done": "Screened",
    "failed": "Failed",
    "retrying": "Failed, and was tried again",
    "cancelled": "Cancelled",
    "handed_back": "Handed back: its worker was stopping (not counted)",
}
REREAD_DELAY_S = 0.5


def register() -> None:
    @ui.page("/items/{item_id}")
    def item_page(request: Request, item_id: str):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(f"/items/{item_id}"), status_code=303)
        try:
            details = items.item_details(user, int(item_id))
        except (ValueError, ShortlistError):
            theme.not_found(user, items.NOT_FOUND)
            return None
        ItemView(user, details).build()
        return None


def took_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"took {seconds:.1f} s" if seconds < 60 else f"took {seconds / 60:.1f} min"


class ItemView:
    def __init__(self, user, details: items.ItemDetails) -> None:
        self.user = user
        self.details = details
        self._reread_scheduled = False

    def build(self) -> None:
        item, batch = self.details.item, self.details.batch
        with theme.frame(self.user, item.name or "File") as self.body:
            ui.link(f"← {batch.title or 'Untitled opening'}", f"/screenings/{batch.id}").classes(
                "text-body2 sl-link sl-wrap").mark("back")
            ui.label(item.name or "Unnamed file").classes("text-h5 sl-wrap").mark("file-name")
            self.state = ui.column().classes("w-full gap-3")
            self.history = ui.column().classes("w-full gap-3")
            self.confirm = common.Confirm()
        self.show()
        live.hub.subscribe_batch(str(batch.id), self.batch_changed)

    # --- What it shows -------------------------------------------------------------------

    def show(self) -> None:
        self.show_state()
        self.show_history()

    def show_state(self) -> None:
        item, batch = self.details.item, self.details.batch
        text, color = ITEM_WORDS.get(item.status, (item.status, "grey-7"))
        self.state.clear()
        with self.state, ui.card().classes("w-full gap-2 sl-card").mark("item-state"):
            with ui.row().classes("items-center gap-2"):
                ui.badge(text, color=color).props("rounded").mark("item-status")
                if item.dismissed_at is not None:
                    ui.label(f"Dismissed {words.when_text(item.dismissed_at)}").classes(
                        "text-body2 sl-muted").mark("dismissed")
            if item.status in ("failed", "cancelled") and item.error:
                ui.label(item.error).classes("text-body1 sl-wrap").mark("item-error")
            if item.status == "failed" and not item.retryable:
                ui.label("Trying it again would fail the same way: fix the file and add it"
                         " to the screening again.").classes("text-body2 sl-muted sl-wrap")
            with ui.row().classes("items-center gap-2"):
                if item.document_id is not None:
                    ui.button("Open the file", icon="description").props(
                        f"outline no-caps href=/resumes/{int(item.id)} target=_blank").mark(
                        "open-file")
                if can_act(self.user, batch):
                    retry_ok = item.status == "cancelled" or (
                        item.status == "failed" and item.retryable)
                    if retry_ok:
                        ui.button("Try again", icon="refresh", on_click=self.ask_retry).props(
                            "no-caps").mark("retry-item")
                    if item.status == "failed" and item.dismissed_at is None:
                        ui.button("Dismiss", icon="do_not_disturb_on",
                                  on_click=self.ask_dismiss).props("flat no-caps").mark(
                            "dismiss-item")

    def show_history(self) -> None:
        attempts = self.details.attempts
        self.history.clear()
        with self.history, ui.card().classes("w-full gap-1 sl-card").mark("history"):
            ui.label(f"History ({words.plural(len(attempts), 'attempt')})").classes("text-h6")
            if not attempts:
                ui.label("No attempt has ended yet.").classes("sl-muted").mark("no-history")
                return
            with ui.list().props("separator").classes("w-full"):
                for i, attempt in enumerate(attempts):
                    with ui.item().mark(f"attempt-{i}"), ui.item_section():
                        ui.item_label(f"Attempt {attempt.number}: "
                                      f"{OUTCOME_WORDS.get(attempt.outcome, attempt.outcome)}"
                                      ).classes("text-weight-medium sl-wrap")
                        facts = [common.when(attempt.ended_at), took_text(attempt.duration_s),
                                 f"{attempt.lane} lane"]
                        if attempt.worker and is_admin(self.user):
                            facts.append(f"worker {attempt.worker}")
                        ui.item_label(" · ".join(f for f in facts if f)).props(
                            "caption").classes("sl-wrap")
                        if attempt.error and attempt.outcome != "done":
                            ui.item_label(attempt.error).classes("text-body2 sl-wrap")
                        if attempt.detail:
                            with ui.expansion("Technical details (admins only)").classes(
                                    "w-full").props("dense").mark(f"detail-{i}"):
                                ui.code(attempt.detail, language="text").classes(
                                    "w-full text-caption")

    # --- Keeping it current ----------------------------------------------------------------

    def batch_changed(self, snapshot) -> None:
        if snapshot.deleted:
            show_deleted(self.body, self.details.batch.title)
            return
        if not self._reread_scheduled:
            self._reread_scheduled = True
            asyncio.get_running_loop().call_later(REREAD_DELAY_S, self.reread)

    def reread(self) -> None:
        self._reread_scheduled = False
        try:
            self.details = items.item_details(self.user, self.details.item.id)
        except ShortlistError:
            return  # deleted meanwhile: the page keeps what it showed
        self.show()

    # --- Actions -----------------------------------------------------------------------------

    def _someone_else(self) -> bool:
        return self.details.batch.owner_id != self.user.id

    async def ask_retry(self) -> None:
        if not self._someone_else():
            await self.retry()
            return
        self.confirm.ask("Try this file again?",
                         f"“{self.details.item.name}” goes back in line with fresh attempts in"
                         " someone else's screening; its ranking changes when it is done.",
                         "Try again", self.retry)

    def ask_dismiss(self) -> None:
        self.confirm.ask("Dismiss this failure?",
                         f"“{self.details.item.name}” stays unread and leaves the failures"
                         " list and “Try again” for the screening's failed files. It can"
                         " still be tried again here.", "Dismiss", self.dismiss)

    async def retry(self) -> None:
        item_id = self.details.item.id
        if await act(lambda: asyncio.to_thread(batches.retry_item, self.user, item_id),
                     done="The file is back in line.") is not None:
            self.reread()

    async def dismiss(self) -> None:
        item_id = self.details.item.id
        if await act(lambda: asyncio.to_thread(items.dismiss, self.user, item_id),
                     done="Dismissed.") is not None:
            self.reread()
