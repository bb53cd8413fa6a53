"""My screenings: the recruiter's batches, newest first, each with live progress."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import background_tasks, ui

from app.accounts.signin import session_user
from app.models import Batch
from app.recruiting import queries
from ui import auth, live, theme, words
from ui.components import BatchProgress
from ui.live import Follower, Snapshot

PER_PAGE = 20


def register() -> None:
    @ui.page("/")
    def my_screenings_page(request: Request):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url("/"), status_code=303)
        ScreeningList(user).build()
        if request.query_params.get("deleted"):  # from a screening's "Delete screening"
            ui.notify("The screening and its resumes were deleted.", type="positive")


class ScreeningCard:
    def __init__(self, batch: Batch) -> None:
        self.batch_id = str(batch.id)
        with ui.card().classes("w-full gap-2 sl-card").mark(f"screening-{batch.id}") as self.card:
            with ui.row().classes("w-full items-start justify-between no-wrap gap-2"):
                with ui.column().classes("gap-0 min-w-0"):
                    ui.link(batch.title or "Untitled opening", f"/screenings/{batch.id}").classes(
                        "text-h6 sl-wrap")
                    ui.label(f"Submitted {words.when_text(batch.created_at)}").classes(
                        "text-caption sl-muted")
                ui.button("Open", icon="chevron_right",
                          on_click=lambda: ui.navigate.to(f"/screenings/{self.batch_id}")
                          ).props("flat no-caps dense color=primary")
            initial = Snapshot.from_batch(batch)
            self.progress = BatchProgress(initial)
        self.follower = Follower(live.hub, initial, self._changed)
        self.progress.show(initial, self.follower)

    def _changed(self, snapshot: Snapshot, _previous: Snapshot | None) -> None:
        self.progress.show(snapshot, self.follower)


class ScreeningList:
    def __init__(self, user) -> None:
        self.user = user
        self.page = 1
        self.cards: dict[str, ScreeningCard] = {}
        self._reload_pending = False

    def build(self) -> None:
        with theme.frame(self.user, "My screenings"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("My screenings").classes("text-h5")
                ui.button("New screening", icon="add",
                          on_click=lambda: ui.navigate.to("/new")).props("unelevated no-caps")
            self.box = ui.column().classes("w-full gap-3")
            self.show()
        live.hub.subscribe_owner(self.user.id, self.on_snapshot)

    def show(self, *, only_if_changed: bool = False) -> None:
        listing = queries.list_batches(self.user, page=self.page, per_page=PER_PAGE)
        if self.page > listing.pages:  # past the end (or empty): show the last page
            self.page = listing.pages
            listing = queries.list_batches(self.user, page=self.page, per_page=PER_PAGE)
        if only_if_changed and [str(b.id) for b in listing.rows] == list(self.cards):
            return  # the same screenings: the cards follow their own progress
        self.box.clear()
        self.cards = {}
        with self.box:
            if not listing.rows:
                with ui.card().classes("w-full items-center q-pa-xl gap-3 sl-card"):
                    ui.icon("inbox").classes("text-5xl sl-muted")
                    ui.label("You have no screenings yet.").classes("text-h6")
                    ui.label("Start one: describe the opening and drop the resumes.").classes(
                        "sl-muted text-center")
                    ui.button("Start a screening", icon="add",
                              on_click=lambda: ui.navigate.to("/new")).props("unelevated no-caps")
                return
            for batch in listing.rows:
                card = ScreeningCard(batch)
                self.cards[card.batch_id] = card
            if listing.pages > 1:
                ui.pagination(1, listing.pages, direction_links=True, value=self.page,
                              on_change=lambda e: self.go(e.value)).classes("self-center")

    def go(self, asked: object) -> None:
        page = queries.page_number(asked, self.page)  # the browser may send anything
        if page != self.page or type(asked) is not int or asked != page:
            # Also redrawn when the value was clamped, so the pager shows the page shown.
            self.page = page
            self.show()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        card = self.cards.get(snapshot.batch_id)
        if card is not None:
            card.follower.offer(snapshot)
        elif self.page == 1 and not self._reload_pending:
            # A screening started elsewhere (another tab): show it, once per burst.
            self._reload_pending = True
            background_tasks.create(self._reload_soon(), name="reload screenings")

    async def _reload_soon(self) -> None:
        await asyncio.sleep(0.5)
        self._reload_pending = False
        user = session_user(self.user.id)  # still active?
        if user is not None and not self.box.is_deleted:
            self.user = user
            self.show(only_if_changed=True)
