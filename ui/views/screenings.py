"""My screenings: the recruiter's batches, newest first, searchable and filtered by state,
each a compact row with live progress and a one-line summary ("3 strong, 5 good of 40")."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import background_tasks, ui

from app.accounts.permissions import visible_owner_ids
from app.accounts.signin import session_user
from app.recruiting import queries, screenings
from app.recruiting.screenings import ScreeningRow
from ui import auth, live, theme, words
from ui.live import Follower, Snapshot

PER_PAGE = 20
FILTERS = {"all": "All", "active": "Waiting or running", "finished": "Finished",
           "stopped": "Stopped or failed"}
# Summaries (done files by band) are read again at most this often while rows move.
SUMMARY_REFRESH_S = 2.0


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
    """One screening in one compact row: title (a link), status, bar, counts, summary."""

    def __init__(self, row: ScreeningRow) -> None:
        batch = row.batch
        self.batch_id, self.total = str(batch.id), batch.total
        initial = Snapshot.from_batch(batch)
        with ui.card().classes("w-full q-px-md q-py-sm gap-1 sl-card").mark(
                f"screening-{batch.id}") as self.card:
            with ui.row().classes("w-full items-center justify-between no-wrap gap-2"):
                ui.link(batch.title or "Untitled opening", f"/screenings/{batch.id}").classes(
                    "text-subtitle1 sl-link sl-wrap min-w-0")
                self.status = ui.badge().props("rounded").classes("q-px-sm text-no-wrap")
            self.bar = ui.linear_progress(value=0, show_value=False, size="6px").props(
                "rounded animation-speed=300").props(
                f"aria-label='Progress of {_attr(batch.title or 'this screening')}'")
            with ui.row().classes("w-full items-baseline justify-between gap-x-3 gap-y-0"):
                self.counts = ui.label().classes("text-body2")
                by = f" by {row.owner_email}" if row.owner_email else ""  # a teammate's
                ui.label(f"Submitted {words.when_text(batch.created_at)}{by}").classes(
                    "text-caption sl-muted sl-wrap").mark("submitted")
            self.summary = ui.label().classes("text-body2 text-weight-medium").mark("summary")
        self.show_summary(row.bands)
        self.follower = Follower(live.hub, initial, self._changed)
        self.show(initial)

    def show(self, snapshot: Snapshot) -> None:
        self.status.text = words.status_text(snapshot.status)
        self.status.props(f"color={words.STATUS_COLORS.get(snapshot.status, 'grey-7')}")
        self.bar.value = round(snapshot.fraction, 4)
        self.counts.text = words.progress_text(snapshot.total, snapshot.done, snapshot.failed,
                                               snapshot.cancelled)

    def show_summary(self, bands: dict[str, int]) -> None:
        self.summary.text = words.summary_text(bands, self.total)
        self.summary.set_visibility(bool(self.summary.text))

    def _changed(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        self.total = snapshot.total or self.total
        self.show(snapshot)


def _attr(text: str) -> str:
    # A title inside a props string: no quotes may end it (titles are recruiters' text).
    return text.replace("'", "").replace('"', "")[:80]


class ScreeningList:
    def __init__(self, user) -> None:
        self.user = user
        self.page = 1
        self.q = ""
        self.status = "all"
        self.cards: dict[str, ScreeningCard] = {}
        self._reload_pending = False
        self._summaries_pending = False

    def build(self) -> None:
        with theme.frame(self.user, "My screenings"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("My screenings").classes("text-h5")
                ui.button("New screening", icon="add").props("unelevated no-caps href=/new")
            with ui.row().classes("w-full items-center gap-2"):
                self.search = ui.input(placeholder="Search by title").props(
                    "outlined dense clearable debounce=300 type=search"
                    " aria-label='Search my screenings by title'").classes(
                    "col-grow").mark("search")
                self.search.on_value_change(lambda e: self.filter(q=e.value or ""))
                with self.search.add_slot("prepend"):
                    ui.icon("search")
                self.state_filter = ui.select(FILTERS, value="all", label="Show").props(
                    "outlined dense options-dense").classes("w-52").mark("status-filter")
                self.state_filter.on_value_change(lambda e: self.filter(status=e.value))
            self.box = ui.column().classes("w-full gap-2")
            self.show()
        # Their own screenings and their teammates' (the list holds both).
        for owner_id in visible_owner_ids(self.user):
            live.hub.subscribe_owner(owner_id, self.on_snapshot)

    def filter(self, *, q: str | None = None, status: str | None = None) -> None:
        self.q = self.q if q is None else q
        self.status = self.status if status not in screenings.STATUS_FILTERS else status
        self.page = 1
        self.show()

    def _listing(self):
        return screenings.my_screenings(self.user, q=self.q, status=self.status,
                                        page=self.page, per_page=PER_PAGE)

    def show(self, *, only_if_changed: bool = False) -> None:
        listing = self._listing()
        if self.page > listing.pages:  # past the end (or empty): show the last page
            self.page = listing.pages
            listing = self._listing()
        if only_if_changed and [str(r.batch.id) for r in listing.rows] == list(self.cards):
            return  # the same screenings: the cards follow their own progress
        self.box.clear()
        self.cards = {}
        with self.box:
            if not listing.rows:
                self.empty()
                return
            for row in listing.rows:
                card = ScreeningCard(row)
                self.cards[card.batch_id] = card
            if listing.pages > 1:
                ui.pagination(1, listing.pages, direction_links=True, value=self.page,
                              on_change=lambda e: self.go(e.value)).classes("self-center")

    def empty(self) -> None:
        with ui.card().classes("w-full items-center q-pa-xl gap-3 sl-card"):
            ui.icon("inbox").classes("text-5xl sl-muted")
            if self.q or self.status != "all":
                ui.label("No screening matches.").classes("text-h6")
                ui.label("Try other words, or show all screenings.").classes(
                    "sl-muted text-center")
                return
            ui.label("You have no screenings yet.").classes("text-h6")
            ui.label("Start one: describe the opening and drop the resumes.").classes(
                "sl-muted text-center")
            ui.button("Start a screening", icon="add").props("unelevated no-caps href=/new")

    def go(self, asked: object) -> None:
        page = queries.page_number(asked, self.page)  # the browser may send anything
        if page != self.page or type(asked) is not int or asked != page:
            # Also redrawn when the value was clamped, so the pager shows the page shown.
            self.page = page
            self.show()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        card = self.cards.get(snapshot.batch_id)
        if card is not None and snapshot.deleted:  # gone: the list is read again
            if not self._reload_pending:
                self._reload_pending = True
                background_tasks.create(self._reload_soon(), name="reload screenings")
        elif card is not None:
            card.follower.offer(snapshot)
            if not self._summaries_pending:
                self._summaries_pending = True
                background_tasks.create(self._summaries_soon(), name="screening summaries")
        elif self.page == 1 and not self._reload_pending:
            # A screening started elsewhere (another tab): show it, once per burst.
            self._reload_pending = True
            background_tasks.create(self._reload_soon(), name="reload screenings")

    async def _summaries_soon(self) -> None:
        """The cards' summaries, read again once per burst of progress (one query)."""
        await asyncio.sleep(SUMMARY_REFRESH_S)
        self._summaries_pending = False
        user = session_user(self.user.id)  # still active?
        if user is None or self.box.is_deleted or not self.cards:
            return
        counts = screenings.summaries(user, list(self.cards))
        for batch_id, card in self.cards.items():
            card.show_summary(counts.get(batch_id, {}))

    async def _reload_soon(self) -> None:
        await asyncio.sleep(0.5)
        self._reload_pending = False
        user = session_user(self.user.id)  # still active?
        if user is not None and not self.box.is_deleted:
            self.user = user
            self.show(only_if_changed=True)
