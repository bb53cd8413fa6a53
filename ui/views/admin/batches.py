"""Admin dashboard: every screening of every user, filtered, sorted and paged on the server,
with cancel, retry, move and delete per row, for a selection, and (cancel, retry) for all
screenings matching the filter.

Live: the list follows every batch's progress events (ui.live's "all" key, at most two a
second) and re-reads only its visible page then, in a thread; the count of matches at most
every COUNT_EVERY_S. It holds still while paused, while rows are selected and while a
row's menu or a confirmation is open (ui.views.admin.live_list)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from nicegui import events, ui

from app.admin import batch_search, bulk
from app.admin.batch_search import BatchFilter, BatchRow
from app.engine import batches
from app.engine.kinds import KINDS, get_kind
from app.errors import ShortlistError
from app.models import BATCH_FINISHED, BatchStatus, User
from app.recruiting import queries
from app.settings import LANES
from ui import live, words
from ui.views.admin import common
from ui.views.admin.live_list import LiveBar

PATH = "/admin/batches"
PER_PAGE = 50
COUNT_EVERY_S = 5.0  # a live list recounts its matches at most this often
ACTION_WORDS = {"cancel": "Cancel", "retry": "Retry failed files of", "move": "Move",
                "delete": "Delete"}
# On a phone (under 600 px) the secondary columns are left out, so the row's title,
# owner, state, progress and actions fit without scrolling sideways as far.
_WIDE_ONLY = {"classes": "gt-xs", "headerClasses": "gt-xs"}
COLUMNS = [
    {"name": "title", "label": "Screening", "field": "title", "sortable": True, "align": "left"},
    {"name": "owner", "label": "Owner", "field": "owner", "sortable": True, "align": "left"},
    {"name": "status", "label": "Status", "field": "status_text", "sortable": True,
     "align": "left"},
    {"name": "lane", "label": "Lane", "field": "lane", "sortable": True, "align": "left",
     **_WIDE_ONLY},
    {"name": "kind", "label": "Kind", "field": "kind", "sortable": True, "align": "left",
     **_WIDE_ONLY},
    {"name": "total", "label": "Files", "field": "total", "sortable": True, "align": "right",
     **_WIDE_ONLY},
    {"name": "progress", "label": "Progress", "field": "progress", "align": "left"},
    {"name": "failed", "label": "Failed", "field": "failed", "sortable": True, "align": "right",
     **_WIDE_ONLY},
    {"name": "created", "label": "Submitted", "field": "created", "sortable": True,
     "align": "left", **_WIDE_ONLY},
    {"name": "actions", "label": "", "field": "id", "align": "right"},
]


def register() -> None:
    @ui.page(PATH)
    def admin_batches_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        BatchesView(user).build()
        return None


def row_of(row: BatchRow) -> dict[str, Any]:
    b = row.batch
    progress = live.Snapshot.from_batch(b)  # ended: done, failed or skipped
    return {
        "id": str(b.id), "title": b.title or "Untitled opening", "owner": row.owner_email,
        "status": b.status, "status_text": words.status_text(b.status),
        "status_line": words.status_text(b.status, b.total, b.n_done, b.n_failed, b.n_cancelled),
        "status_color": words.STATUS_COLORS.get(b.status, "grey-7"), "lane": b.lane,
        "kind": b.kind, "total": b.total, "failed": b.n_failed, "cancelled": b.n_cancelled,
        "finished": b.status in {s.value for s in BATCH_FINISHED},
        "progress": words.screened_text(b.total, b.n_done, b.n_failed, b.n_cancelled),
        "fraction": round(progress.fraction, 4),
        "created": common.when(b.created_at),
    }


def retry_cancelled_text(row: dict[str, Any]) -> str:
    """What retrying a screening's cancelled files changes, for an admin acting on it."""
    files = words.plural(row["cancelled"], "file")
    failed = (f", and {words.plural(row['failed'], 'file')} that failed," if row["failed"]
              else "")
    return (f"{files} of {row['owner']} not screened when it was cancelled{failed} will be"
            f" screened now in the {row['lane']} lane. Results so far are kept; the screening"
            " runs again and no longer shows as cancelled once it ends.")


def sort_of(column: str | None, descending: bool) -> str:
    """The search's sort for a clicked column (newest first when none is chosen)."""
    if column not in batch_search.SORT_KEYS or column == "created":
        return "oldest" if column == "created" and not descending else "newest"
    return f"-{column}" if descending else column


class BatchesView:
    def __init__(self, user: User) -> None:
        self.user = user
        self.filters = BatchFilter()
        self.sort = {"sortBy": "created", "descending": True}
        self.per_page = PER_PAGE
        self.row_batch: dict[str, Any] | None = None
        self.counted_at = 0.0

    # --- Layout --------------------------------------------------------------------------

    def build(self) -> None:
        can = common.can_change(self.user)
        with common.frame(self.user, "Screenings", PATH):
            common.read_only_note(self.user)
            self.filter_bar()
            with ui.row().classes("w-full items-center gap-2 wrap").mark("bulk-bar"):
                self.count_label = ui.label().classes("text-subtitle1").mark("match-count")
                self.live = LiveBar(self.refresh_live)
                ui.space()
                self.cancel_all = ui.button("Cancel all matching", icon="stop_circle",
                                            on_click=lambda: self.ask_all("cancel")).props(
                    "outline no-caps color=negative").mark("cancel-all")
                self.retry_all = ui.button("Retry all matching", icon="refresh",
                                           on_click=lambda: self.ask_all("retry")).props(
                    "outline no-caps").mark("retry-all")
            with ui.row().classes("w-full items-center gap-2 wrap").mark("selection-bar"):
                self.selected_label = ui.label("None selected").classes("text-body2 sl-muted")
                self.sel_buttons = [
                    ui.button("Cancel", icon="stop_circle",
                              on_click=lambda: self.ask_selection("cancel")).props(
                        "flat no-caps color=negative").mark("selected-cancel"),
                    ui.button("Retry failed", icon="refresh",
                              on_click=lambda: self.ask_selection("retry")).props(
                        "flat no-caps").mark("selected-retry"),
                    ui.button("Delete", icon="delete",
                              on_click=lambda: self.ask_selection("delete")).props(
                        "flat no-caps color=negative").mark("selected-delete"),
                ]
                self.move_lane = ui.select(list(LANES), value="normal", label="Lane").props(
                    "dense outlined options-dense").classes("w-32").mark("selected-lane")
                self.sel_buttons.append(ui.button(
                    "Move", icon="alt_route", on_click=lambda: self.ask_selection("move")).props(
                    "flat no-caps").mark("selected-move"))
            self.table = ui.table(columns=[dict(c) for c in COLUMNS], rows=[], row_key="id",
                                  selection="multiple",
                                  pagination={**self.sort, "page": 1, "rowsPerPage": PER_PAGE,
                                              "rowsNumber": 0}).classes("sl-table")
            self.table.mark("batches")
            self.table.props("flat bordered wrap-cells hide-pagination binary-state-sort"
                             " no-data-label='No screening matches.'")
            self.table.add_slot("body-cell-title", r"""
                <q-td :props="props"><a :href="'/screenings/' + props.row.id"
                   class="text-weight-medium sl-wrap">{{ props.row.title }}</a></q-td>""")
            self.table.add_slot("body-cell-status", r"""
                <q-td :props="props"><q-badge :color="props.row.status_color" rounded>
                  {{ props.row.status_text }}</q-badge></q-td>""")
            # The bar's colour is the status's; the numbers say the same in words.
            self.table.add_slot("body-cell-progress", r"""
                <q-td :props="props"><div style="min-width: 5.5rem">
                  <q-linear-progress :value="props.row.fraction" rounded size="8px"
                     :color="props.row.status_color" track-color="grey-4"
                     aria-hidden="true" class="q-mb-xs" />
                  <span class="text-caption" style="white-space: nowrap">
                    {{ props.row.progress }}</span></div></q-td>""")
            self.table.add_slot("body-cell-actions", r"""
                <q-td :props="props"><q-btn flat dense round icon="more_vert"
                   :aria-label="'Actions for ' + props.row.title"
                   @click.stop="$parent.$emit('row_action', props.row.id)" /></q-td>""")
            self.table.on("request", self.on_request, js_handler="(p) => emit(p.pagination)")
            self.table.on("row_action", self.on_row_action)
            self.table.on_select(lambda _: self.show_selection())
            self.pager = common.Pager(self.refresh)
            self.outcome = ui.label().classes("text-body2 sl-wrap").mark("outcome")
            self.confirm = common.Confirm()
            self.row_dialog()
        hold = self.live.control.hold
        self.row_menu.on_value_change(lambda e: hold("menu", bool(e.value)))
        self.confirm.dialog.on_value_change(lambda e: hold("confirm", bool(e.value)))
        self.can = can
        for button in (self.cancel_all, self.retry_all, *self.sel_buttons, *self.row_buttons):
            button.set_enabled(can)
        self.move_lane.set_enabled(can)
        self.row_lane.set_enabled(can)
        self.refresh(count=True)
        live.hub.subscribe_all(lambda _changed: self.live.control.changed())

    def filter_bar(self) -> None:
        get_kind("noop")  # loads the built-in kinds
        with ui.row().classes("w-full items-end gap-2 wrap").mark("filters"):
            self.f_text = ui.input("Title or file name").props("outlined dense clearable").classes(
                "w-56").mark("filter-text")
            self.f_text.on("keydown.enter", lambda: self.apply_filters())
            self.f_status = ui.select({s.value: words.status_text(s.value) for s in BatchStatus},
                                      multiple=True, label="Status").props(
                "outlined dense use-chips options-dense").classes("w-56").mark("filter-status")
            self.f_lane = ui.select(list(LANES), multiple=True, label="Lane").props(
                "outlined dense use-chips options-dense").classes("w-40").mark("filter-lane")
            self.f_kind = ui.select(sorted(KINDS), multiple=True, label="Kind").props(
                "outlined dense use-chips options-dense").classes("w-40").mark("filter-kind")
            self.f_owner = ui.input("Owner (email or id)").props("outlined dense clearable").classes(
                "w-48").mark("filter-owner")
            self.f_owner.on("keydown.enter", lambda: self.apply_filters())
            self.f_from = common.date_input("Submitted from", "filter-from")
            self.f_to = common.date_input("Submitted until", "filter-to")
            ui.button("Search", icon="search", on_click=self.apply_filters).props(
                "unelevated no-caps").mark("apply-filters")
            ui.button("Clear", on_click=self.clear_filters).props("flat no-caps").mark(
                "clear-filters")
        ui.label("File names are searched from 3 characters on; shorter text searches"
                 " titles.").classes("text-caption sl-muted")

    def row_dialog(self) -> None:
        with ui.dialog() as self.row_menu, ui.card().classes("gap-3 q-pa-lg").mark("row-actions"):
            self.row_title = ui.label().classes("text-h6 sl-wrap")
            self.row_state = ui.label().classes("text-body2 sl-muted")
            with ui.row().classes("items-center gap-2 wrap"):
                cancel = ui.button("Cancel screening", icon="stop_circle",
                                   on_click=lambda: self.row_do("cancel")).props(
                    "outline no-caps color=negative").mark("row-cancel")
                retry = ui.button("Retry failed files", icon="refresh",
                                  on_click=lambda: self.row_do("retry")).props(
                    "outline no-caps").mark("row-retry")
                self.row_retry_cancelled = ui.button(
                    "Retry cancelled files", icon="replay",
                    on_click=lambda: self.row_do("retry_cancelled")).props(
                    "outline no-caps").mark("row-retry-cancelled")
                delete = ui.button("Delete", icon="delete",
                                   on_click=lambda: self.row_do("delete")).props(
                    "outline no-caps color=negative").mark("row-delete")
                self.row_buttons = [cancel, retry, self.row_retry_cancelled, delete]
            with ui.row().classes("items-center gap-2"):
                self.row_lane = ui.select(list(LANES), value="normal", label="Lane").props(
                    "dense outlined options-dense").classes("w-32").mark("row-lane")
                self.row_buttons.append(ui.button(
                    "Move", icon="alt_route", on_click=lambda: self.row_do("move")).props(
                    "outline no-caps").mark("row-move"))
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=self.row_menu.close).props("flat no-caps")

    # --- Reading -------------------------------------------------------------------------

    def read_filters(self) -> BatchFilter:
        return BatchFilter(
            statuses=tuple(self.f_status.value or ()), lanes=tuple(self.f_lane.value or ()),
            kinds=tuple(self.f_kind.value or ()), owner=self.f_owner.value or None,
            created_from=common.day_start(self.f_from.value),
            created_to=common.day_start(self.f_to.value, end=True),
            text=self.f_text.value or None)

    def apply_filters(self) -> None:
        try:
            self.filters = self.read_filters()
        except ShortlistError as exc:
            ui.notify(exc.message, type="warning")
            return
        self.pager.reset()
        self.refresh(count=True)

    def clear_filters(self) -> None:
        for element in (self.f_text, self.f_owner, self.f_from, self.f_to):
            element.value = None
        for element in (self.f_status, self.f_lane, self.f_kind):
            element.value = []
        self.apply_filters()

    def on_request(self, e: events.GenericEventArguments) -> None:
        p = e.args if isinstance(e.args, dict) else {}  # whatever the browser sent
        asked = queries.table_request(
            queries.TableRequest(self.sort["sortBy"], self.sort["descending"], 1, self.per_page),
            sorts=batch_search.SORT_KEYS, sort=p.get("sortBy"), descending=p.get("descending"),
            per_page=p.get("rowsPerPage"), max_per_page=batch_search.MAX_LIMIT)
        self.sort = {"sortBy": asked.sort, "descending": asked.descending}
        self.per_page = asked.per_page  # pages follow the cursor, not Quasar's page number
        self.pager.reset()
        self.refresh()

    def _search(self, *, count: bool):
        """The visible page's query, as the list stands now (run on the loop or a thread)."""
        filters, cursor, limit = self.filters, self.pager.cursor, self.per_page
        sort = sort_of(self.sort["sortBy"], self.sort["descending"])
        return lambda user: batch_search.search_and_count(
            user, filters, cursor=cursor, limit=limit, sort=sort, count=count)

    def refresh(self, *, count: bool = False) -> None:
        found = common.read(PATH, self._search(count=count))
        if found is common.NOTHING:
            return
        self.show(found)
        self.live.control.shown()
        self.table.selected = []
        self.show_selection()

    async def refresh_live(self) -> None:
        """After batches changed: the visible page again, read in a thread."""
        count = time.monotonic() - self.counted_at >= COUNT_EVERY_S
        found = await common.read_live(self.user.id, self._search(count=count))
        if found is not common.NOTHING and self.live.control.still_live():
            self.show(found)

    def show(self, found) -> None:
        page, matches = found
        if matches is not None:
            self.counted_at = time.monotonic()
            self.count_label.text = (f"More than {matches.n:,} screenings match" if matches.more
                                     else f"{words.plural(matches.n, 'screening')} match")
        self.table.rows = [row_of(r) for r in page.rows]
        self.table.pagination = {**self.sort, "page": 1, "rowsPerPage": self.per_page,
                                 "rowsNumber": len(page.rows)}
        self.table.update()
        self.pager.show(page.next_cursor)

    def show_selection(self) -> None:
        n = len(self.table.selected)
        self.selected_label.text = f"{words.plural(n, 'screening')} selected" if n else \
            "None selected"
        self.live.control.hold("selection", n > 0)  # rows stay where the pointer left them
        # Enabled once something is selected (they looked ready with nothing to act on).
        for button in self.sel_buttons:
            button.set_enabled(getattr(self, "can", False) and n > 0)

    # --- Actions -------------------------------------------------------------------------

    async def ask_all(self, action: str) -> None:
        filters = self.filters  # what the list shows, not what the inputs hold meanwhile
        preview = await common.run_action(
            PATH, lambda user: bulk.preview_all_matching(user, action, filters))
        if preview is None:
            return
        if preview.count == 0:
            ui.notify("No screening matches this filter.", type="info")
            return
        what = {"cancel": "Cancel", "retry": "Retry the failed files of"}[action]
        text = {"cancel": "Files not screened yet will be skipped; results so far are kept.",
                "retry": "Files that failed will be tried again; screenings without failed"
                         " files are skipped."}[action]
        self.confirm.ask(f"{what} all {words.plural(preview.count, 'matching screening')}?",
                         text, f"{what.split()[0]} {preview.count:,}",
                         lambda: self._apply_all(action, filters, preview.count),
                         danger=action == "cancel")

    async def _apply_all(self, action: str, filters: BatchFilter, confirmed: int) -> None:
        result = await common.run_action(
            PATH, lambda user: bulk.apply_all_matching(user, action, filters,
                                                       confirmed=confirmed))
        self.finish(result)

    def ask_selection(self, action: str) -> None:
        ids = [r["id"] for r in self.table.selected]
        if not ids:
            ui.notify("Select screenings first: tick them in the list.", type="info")
            return
        lane = self.move_lane.value if action == "move" else None
        title = f"{ACTION_WORDS[action]} {words.plural(len(ids), 'selected screening')}" + (
            f" to the {lane} lane?" if lane else "?")
        text = {"cancel": "Files not screened yet will be skipped; results so far are kept.",
                "retry": "Files that failed will be tried again.",
                "move": "Files sent from now on go to that lane; those already waiting stay.",
                "delete": "The screenings, their files and reports are deleted for good."
                          " Screenings still running are skipped."}[action]
        self.confirm.ask(title, text, ACTION_WORDS[action].split()[0],
                         lambda: self._apply_selection(action, ids, lane),
                         danger=action in ("cancel", "delete"))

    async def _apply_selection(self, action: str, ids: list[str], lane: str | None) -> None:
        result = await common.run_action(
            PATH, lambda user: bulk.apply_to_selection(user, action, ids, lane=lane))
        self.finish(result)

    def finish(self, result: bulk.BulkResult | None) -> None:
        if result is None:
            return
        self.outcome.text = result.message
        ui.notify(result.message, type="positive" if result.changed else "info",
                  multi_line=True)
        self.refresh(count=True)

    def on_row_action(self, e: events.GenericEventArguments) -> None:
        batch_id = e.args[0] if isinstance(e.args, list) and e.args else e.args
        row = next((r for r in self.table.rows if r["id"] == batch_id), None)
        if row is None:
            return
        self.row_batch = row
        self.row_title.text = row["title"]
        self.row_state.text = f"{row['status_line']} · {row['lane']} lane · {row['owner']}"
        self.row_lane.value = row["lane"]
        # Only a finished screening that left files unscreened has any to try again.
        self.row_retry_cancelled.set_visibility(row["finished"] and row["cancelled"] > 0)
        self.row_menu.open()

    async def row_do(self, action: str) -> None:
        row = self.row_batch
        if row is None:
            return
        batch_id, lane = row["id"], self.row_lane.value
        self.row_menu.close()
        if action == "delete":
            self.confirm.ask(f"Delete “{row['title']}”?", "The screening, its files and"
                             " reports are deleted for good.", "Delete",
                             lambda: self._row_run("delete", batch_id, lane), danger=True)
            return
        if action == "cancel":  # someone else's work: it asks first, as Delete does
            self.confirm.ask(f"Cancel “{row['title']}”?", f"Files of {row['owner']} not"
                             " screened yet will be skipped; results so far are kept.",
                             "Cancel screening",
                             lambda: self._row_run("cancel", batch_id, lane), danger=True)
            return
        if action == "retry_cancelled":
            self.confirm.ask(f"Retry the cancelled files of “{row['title']}”?",
                             retry_cancelled_text(row), "Retry cancelled files",
                             lambda: self._row_run("retry_cancelled", batch_id, lane))
            return
        await self._row_run(action, batch_id, lane)

    async def _row_run(self, action: str, batch_id: str, lane: str) -> None:
        calls = {
            "cancel": (lambda u: batches.cancel(u, batch_id), "The screening is being cancelled."),
            "retry": (lambda u: batches.retry(u, batch_id),
                      lambda n: f"{words.plural(n, 'failed file')} will be tried again."),
            "retry_cancelled": (lambda u: batches.retry(u, batch_id, include_cancelled=True),
                                lambda n: f"{words.plural(n, 'file')} will be tried again."),
            "move": (lambda u: batches.move(u, batch_id, lane),
                     f"The screening now uses the {lane} lane."),
            "delete": (lambda u: batches.delete(u, batch_id) or True, "The screening was deleted."),
        }
        call, done = calls[action]
        result = await common.run_action(PATH, call, done=done)
        if result is not None:
            message = done(result) if callable(done) else done
            self.outcome.text = message
            self.refresh(count=True)
