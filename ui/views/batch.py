"""One screening: live progress, the ranked shortlist, details, failed files, actions."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import background_tasks, events, run, ui

from app.accounts.permissions import can_act, can_submit, is_teammate
from app.accounts.signin import session_user
from app.engine import batches
from app.errors import ShortlistError
from app.models import Batch
from app.recruiting import decisions, queries
from ui import auth, live, theme, words
from ui.components import BatchProgress, act, chips, show_deleted
from ui.live import Follower, Snapshot
from ui.views.add_resumes import AddResumes
from ui.views.decision_panel import DecisionPanel
from ui.views.detail import failed_card, open_detail
from ui.views.retention import RetentionLine
from ui.views.share_dialog import ShareDialog
from ui.views.shortlist_find import COMPARE_MAX, COMPARE_MIN, FindBar, compare_hint, open_compare
from ui.views.shortlist_table import chips_legend, row_of, shortlist_table, shortlist_title
from ui.views.waiting_line import WaitingLine

log = logging.getLogger("shortlist.ui.batch")

PER_PAGE = 25
FAILED_SHOWN = 100
# The list (and the counter drawn with it) is read again at most this often while items end.
REFRESH_WHILE_RUNNING_S = 0.5
SORT_CHOICES = {  # the phone's sort menu (wide screens sort by clicking a column)
    "rank": ("Best match first", "rank", False),
    "score_low": ("Lowest score first", "score", False),
    "name": ("Name, A to Z", "name", False),
    "years": ("Most years first", "years", True),
}
def register() -> None:
    @ui.page("/screenings/{batch_id}")
    def screening_page(request: Request, batch_id: str):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(f"/screenings/{batch_id}"), status_code=303)
        try:
            batch = queries.get_batch(user, batch_id)
        except ShortlistError as exc:
            theme.not_found(user, exc.message)
            return None
        BatchView(user, batch).build()
        return None


class BatchView:
    def __init__(self, user, batch: Batch) -> None:
        self.user = user
        self.batch = batch
        self.batch_id = str(batch.id)
        self.sort = {"sortBy": "rank", "descending": False, "page": 1, "rowsPerPage": PER_PAGE}
        self._refresh_scheduled = False
        self._last_read = 0.0  # when the list was last read (monotonic)
        self.retryable = 0  # failed files trying again could fix (show_failed counts them)

    # --- Layout --------------------------------------------------------------------------

    def build(self) -> None:
        batch = self.batch
        initial = Snapshot.from_batch(batch)
        with theme.frame(self.user, batch.title or "Screening") as self.body:
            ui.link("← My screenings", "/").classes("text-body2 sl-link")
            ui.label(batch.title or "Untitled opening").classes("text-h5 sl-wrap")
            with ui.card().classes("w-full gap-3 sl-card"):
                self.progress = BatchProgress(initial).mark("progress")
                self.waiting = WaitingLine(self.batch_id, self.viewer)
                self.waiting.build()
                with ui.row().classes("w-full items-center gap-2"):
                    self.csv_button = ui.button(
                        "Download CSV", icon="download",
                        on_click=lambda: self.download("csv")).props("unelevated no-caps").mark("csv")
                    self.xlsx_button = ui.button(
                        "Download Excel", icon="table_view",
                        on_click=lambda: self.download("xlsx")).props("outline no-caps").mark("xlsx")
                    self.retry_button = ui.button(
                        "Try failed files again", icon="refresh", on_click=self.retry).props(
                        "outline no-caps").mark("retry")
                    self.retry_cancelled_button = ui.button(
                        "Screen the cancelled files", icon="replay",
                        on_click=lambda: self.retry(include_cancelled=True)).props(
                        "outline no-caps").mark("retry-cancelled")
                    self.add_button = ui.button(
                        "Add resumes", icon="note_add",
                        on_click=lambda: self.adder.open()).props("outline no-caps").mark(
                        "add-resumes")
                    # A link (Quasar renders `href` as <a>): it opens in a new tab too.
                    self.rescreen_link = ui.button(
                        "Screen for another opening", icon="replay").props(
                        f"outline no-caps href=/new?from={batch.id}").mark("rescreen")
                    ui.button("Share", icon="share", on_click=lambda: self.sharer.open()).props(
                        "outline no-caps").mark("share")
                    self.cancel_button = ui.button(
                        "Cancel screening", icon="stop_circle",
                        on_click=lambda: self.confirm.open()).props(
                        "outline no-caps color=negative").mark("cancel")
                self.report_hint = ui.label(
                    "The report can be downloaded when the screening ends.").classes(
                    "text-caption sl-muted")
                self.retention = RetentionLine(self.user, batch, self.viewer)
                self.retention.build()
            self.opening_section()
            with ui.card().classes("w-full gap-2 sl-card"):
                with ui.row().classes("w-full items-baseline justify-between"):
                    self.shortlist_title = ui.label("Shortlist").classes("text-h6")
                    ui.label("Click a candidate to see why they rank there.").classes(
                        "text-caption sl-muted")
                chips_legend()
                self.find = FindBar(self.filter_changed)
                with ui.row().classes("w-full items-center gap-2"):
                    self.compare_button = ui.button(
                        "Compare", icon="view_column", on_click=self.compare).props(
                        "outline no-caps").mark("compare-button")
                    self.compare_hint = ui.label(compare_hint(0)).classes(
                        "text-caption sl-muted").mark("compare-hint")
                self.compare_button.set_enabled(False)
                self.compare_dialog = ui.dialog().props("full-width aria-label='Compare candidates'")
                self.sort_menu = ui.select(
                    {k: v[0] for k, v in SORT_CHOICES.items()}, value="rank", label="Sort",
                    on_change=lambda e: self.sort_by_choice(e.value)).props(
                    "dense outlined options-dense").classes("lt-sm w-full")
                self.table = self.shortlist_table()
                self.empty_hint = ui.label().classes("sl-muted")
            self.failed_box = ui.column().classes("w-full gap-2").mark("failed")
            self.cancel_dialog()
            self.adder = AddResumes(batch, self.viewer)
            self.adder.build()
            self.sharer = ShareDialog(self.user, batch, self.viewer)
            self.sharer.build()
            self.detail = ui.dialog().props("aria-label='Candidate details'")
        self.follower = Follower(live.hub, initial, self.changed)
        live.hub.subscribe_batch(self.batch_id, self.follower.offer)
        live.hub.subscribe_decisions(self.batch_id, self.decision_changed)
        self.progress.show(initial, self.follower)
        self.show_actions(initial)
        self.refresh_table()
        self.show_failed()

    def opening_section(self) -> None:
        opening = self.batch.params or {}
        with ui.expansion("The opening", icon="work_outline").classes("w-full sl-card").props(
                "dense-toggle header-class=text-subtitle1"):
            with ui.column().classes("w-full gap-2 q-pa-sm"):
                if opening.get("description"):
                    ui.label(opening["description"]).classes("sl-wrap").style(
                        "white-space: pre-wrap")
                ui.label("Must-have skills").classes("text-subtitle2")
                chips(opening.get("must_have") or [], color="primary",
                      empty="None given: the skills named in the description are used.")
                ui.label("Nice-to-have skills").classes("text-subtitle2")
                chips(opening.get("nice_to_have") or [], color="secondary", empty="None")
                years = opening.get("min_years")
                ui.label("Minimum experience: " + (words.years_text(years) if years else
                                                   "not set")).classes("text-body2")

    def shortlist_table(self) -> ui.table:
        table = shortlist_table(self.sort)
        table.on("request", self.on_request, js_handler="(p) => emit(p.pagination)")
        table.on("rowClick", self.on_row_click, js_handler="(evt, row) => emit(row.id)")
        table.on("detail", self.on_row_click)
        table.on_select(self.chosen_changed)
        return table

    # --- Find and compare ----------------------------------------------------------------

    def filter_changed(self, _filter) -> None:
        self.sort = {**self.sort, "page": 1}
        self.refresh_table()

    def chosen_changed(self, _event=None) -> None:
        chosen = len(self.table.selected)
        self.compare_hint.text = compare_hint(chosen)
        self.compare_button.set_enabled(COMPARE_MIN <= chosen <= COMPARE_MAX)

    def compare(self) -> None:
        user = self.viewer()
        if user is None:
            ui.navigate.to(auth.signin_url(f"/screenings/{self.batch_id}"))
            return
        ids = [r["id"] for r in self.table.selected]
        try:
            open_compare(self.compare_dialog, user, ids)
        except ShortlistError as exc:
            ui.notify(exc.message, type="warning")

    def cancel_dialog(self) -> None:
        with ui.dialog() as self.confirm, ui.card().classes("gap-3 q-pa-lg"):
            ui.label("Cancel this screening?").classes("text-h6")
            ui.label("Resumes not screened yet will be skipped. Results so far are kept,"
                     " and resumes being read right now will finish.").classes("sl-wrap")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep screening", on_click=self.confirm.close).props("flat no-caps")
                ui.button("Cancel screening", on_click=self.cancel).props(
                    "unelevated no-caps color=negative").mark("confirm-cancel")

    # --- Live state ----------------------------------------------------------------------

    def changed(self, state: Snapshot, previous: Snapshot | None) -> None:
        if state.deleted:
            show_deleted(self.body, self.batch.title)
            return
        # The counter is drawn with the list (refresh_table), from one read: drawn from
        # events it ran ahead of the rows. Events only say when to read again.
        self.show_actions(state)
        if previous is None or state.done != previous.done or state.failed != previous.failed \
                or state.cancelled != previous.cancelled or state.status != previous.status \
                or state.finalized != previous.finalized:
            self.schedule_refresh(immediate=state.finished)

    def show_actions(self, state: Snapshot) -> None:
        self.waiting.show(state)
        ready = state.finalized
        self.csv_button.set_enabled(ready)
        self.xlsx_button.set_enabled(ready)
        if ready:
            self.report_hint.set_visibility(False)
        else:
            self.report_hint.set_visibility(True)
            self.report_hint.text = (
                "The report is being prepared." if state.finished else
                "The report can be downloaded when the screening ends.")
        self.cancel_button.set_visibility(state.status in ("queued", "running"))
        self.retention.show(state)
        self.add_button.set_visibility(
            self.batch.kind == "resume" and can_submit(self.user)
            and state.status not in ("cancelling", "cancelled"))
        self.rescreen_link.set_visibility(
            state.finished and self.batch.kind == "resume" and can_submit(self.user))
        self.show_retry(state)

    def show_retry(self, state: Snapshot) -> None:
        # Only failures trying again could fix (counted by show_failed): a damaged or
        # locked file fails the same way every time.
        retryable = min(self.retryable, state.failed)
        self.retry_button.set_visibility(retryable > 0 and state.status != "cancelling")
        self.retry_button.text = ("Try the failed file again" if retryable == 1 else
                                  f"Try the {retryable} failed files again")
        # Files a cancellation left unscreened: their owner may have them screened after all.
        self.retry_cancelled_button.set_visibility(
            state.finished and state.cancelled > 0 and can_act(self.user, self.batch)
            and is_teammate(self.user, self.batch.owner_id))
        self.retry_cancelled_button.text = (
            "Screen the cancelled file" if state.cancelled == 1 else
            f"Screen the {state.cancelled:,} cancelled files")

    def schedule_refresh(self, *, immediate: bool = False) -> None:
        if self._refresh_scheduled:
            return
        self._refresh_scheduled = True

        # At once if the list was not read within the interval, else at its end: a
        # steady stream of events reads the list (and draws the counter) twice a second.
        wait = 0.0 if immediate else max(
            0.0, self._last_read + REFRESH_WHILE_RUNNING_S - time.monotonic())

        async def later() -> None:
            try:
                await asyncio.sleep(wait)
            finally:
                self._refresh_scheduled = False
            if self.table.is_deleted:
                return
            self.refresh_table()
            self.show_failed()

        background_tasks.create(later(), name=f"refresh screening {self.batch_id}")

    def viewer(self):
        """The user, re-loaded: a deactivated account sees nothing more."""
        return session_user(self.user.id)

    # --- The shortlist -------------------------------------------------------------------

    def on_request(self, e: events.GenericEventArguments) -> None:
        p = e.args if isinstance(e.args, dict) else {}  # whatever the browser sent
        s = self.sort
        asked = queries.table_request(
            queries.TableRequest(s["sortBy"], s["descending"], s["page"], s["rowsPerPage"]),
            sorts=queries.SORTS, sort=p.get("sortBy"), descending=p.get("descending"),
            page=p.get("page"), per_page=p.get("rowsPerPage"))
        self.sort = {"sortBy": asked.sort, "descending": asked.descending, "page": asked.page,
                     "rowsPerPage": asked.per_page}
        self.refresh_table()

    def sort_by_choice(self, choice: str) -> None:
        _, sort_by, descending = SORT_CHOICES.get(choice, SORT_CHOICES["rank"])
        self.sort = {**self.sort, "sortBy": sort_by, "descending": descending, "page": 1}
        self.refresh_table()

    def refresh_table(self) -> None:
        user = self.viewer()
        if user is None:
            return
        s = self.sort
        try:
            def read():
                return queries.shortlist(user, self.batch_id, page=s["page"],
                                         per_page=s["rowsPerPage"], sort=s["sortBy"],
                                         descending=s["descending"], filters=self.find.filter)

            page = read()
            if s["page"] > page.pages:  # past the end (or empty): show the last page
                s["page"] = page.pages
                page = read()
        except ShortlistError as exc:
            ui.notify(exc.message, type="warning")
            return
        self._last_read = time.monotonic()
        team = decisions.batch_decisions(user, self.batch.id) if page.rows else {}
        self.table.rows = [row_of(r, team.get(r.item_id)) for r in page.rows]
        self.table.pagination = {**s, "rowsNumber": page.total}
        self.table.update()
        self.progress.show(Snapshot.from_batch(page.batch), self.follower)
        self.shortlist_title.text = shortlist_title(page.total, page.batch.n_done)
        state = self.follower.state
        if page.total:
            self.empty_hint.set_visibility(False)
        else:
            self.empty_hint.set_visibility(True)
            self.empty_hint.text = (
                "Nobody here matches what you are looking for." if not self.find.filter.empty
                else "No resume could be screened." if state.finished else
                "Screened resumes appear here as they are read, best first.")

    def decision_changed(self, event: dict) -> None:
        """Someone changed a candidate's status, star, tags or notes: redraw the list, and
        the open details if they are that candidate's."""
        self.refresh_table()
        panel = getattr(self, "panel", None)
        if panel is not None and self.detail.value and panel.item_id == event.get("item_id"):
            panel.redraw()

    # --- Failed files --------------------------------------------------------------------

    def show_failed(self) -> None:
        user = self.viewer()
        if user is None:
            return
        failed = queries.failed_items(user, self.batch_id, per_page=FAILED_SHOWN)
        self.retryable = batches.retryable_count(user, self.batch_id) if failed.total else 0
        self.show_retry(self.follower.state)
        self.failed_box.clear()
        if not failed.total:
            return
        with self.failed_box:
            failed_card(failed)

    # --- Details -------------------------------------------------------------------------

    def on_row_click(self, e: events.GenericEventArguments) -> None:
        item_id = e.args[0] if isinstance(e.args, list) and e.args else e.args
        self.show_detail(item_id)

    def show_detail(self, item_id: Any) -> None:
        user = self.viewer()
        if user is None:
            ui.navigate.to(auth.signin_url(f"/screenings/{self.batch_id}"))
            return
        try:
            item = queries.item_detail(user, item_id)
        except ShortlistError as exc:
            ui.notify(exc.message, type="warning")
            return
        if str(item.batch_id) != self.batch_id:
            ui.notify("We could not find that resume.", type="warning")
            return
        self.panel = None

        def team() -> None:
            self.panel = DecisionPanel(user, int(item.item_id),
                                       can_act(user, self.batch), self.viewer)

        open_detail(self.detail, item, team)

    # --- Actions -------------------------------------------------------------------------

    def download(self, fmt: str) -> None:
        ui.download.from_url(f"/screenings/{self.batch_id}/report.{fmt}")

    async def cancel(self) -> None:
        self.confirm.close()
        user = auth.current_user()
        if user is None:
            ui.navigate.to(auth.signin_url(f"/screenings/{self.batch_id}"))
            return

        async def do() -> Batch | None:
            return await run.io_bound(batches.cancel, user, self.batch_id)

        batch = await act(do, done="The screening is being cancelled.")
        if batch is not None:
            self.follower.offer(Snapshot.from_batch(batch))

    async def retry(self, include_cancelled: bool = False) -> None:
        user = auth.current_user()
        if user is None:
            ui.navigate.to(auth.signin_url(f"/screenings/{self.batch_id}"))
            return

        async def do() -> int | None:
            return await run.io_bound(batches.retry, user, self.batch_id,
                                      include_cancelled=include_cancelled)

        count = await act(do)
        if count:
            ui.notify(f"{words.plural(count, 'file')} will be tried again.", type="positive")
            batch = await run.io_bound(queries.get_batch, user, self.batch_id)
            if batch is not None:
                self.follower.offer(Snapshot.from_batch(batch))
