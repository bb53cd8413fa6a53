"""Admin dashboard: failed files of every screening grouped by reason, the most recently
seen first, with a retry per reason.

Live: the groups are read again (in a thread) when a batch's failed count moves, as told
by the progress events (ui.live's "all" key, at most two a second); not while paused or
while a confirmation is open."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from nicegui import ui

from app.admin import failures
from app.models import User
from ui import live, words
from ui.views.admin import common
from ui.views.admin.live_list import LiveBar

PATH = "/admin/failures"
WINDOWS = {1: "Last 24 hours", 7: "Last 7 days", 30: "Last 30 days"}
MAX_KNOWN = 10_000  # batches whose failed count is remembered


def failed_counts_moved(known: dict[str, int], changed: Iterable[live.Snapshot]) -> bool:
    """Whether any batch's failed count differs from the one last seen (0 when unseen),
    remembering the new ones. A retry lowers it, a failure raises it: both move groups."""
    if len(known) > MAX_KNOWN:
        known.clear()
    moved = False
    for snapshot in changed:
        if known.get(snapshot.batch_id, 0) != snapshot.failed:
            moved = True
        known[snapshot.batch_id] = snapshot.failed
    return moved


def register() -> None:
    @ui.page(PATH)
    def admin_failures_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        FailuresView(user).build()
        return None


class FailuresView:
    def __init__(self, user: User) -> None:
        self.user = user
        self.days = 7
        self.report: failures.FailureReport | None = None
        self.known_failed: dict[str, int] = {}

    def build(self) -> None:
        with common.frame(self.user, "Failures", PATH):
            common.read_only_note(self.user)
            with ui.row().classes("w-full items-center gap-2"):
                self.window = ui.select(WINDOWS, value=self.days, label="Failed in",
                                        on_change=lambda e: self.choose(e.value)).props(
                    "outlined dense options-dense").classes("w-48").mark("window")
                ui.button("Refresh", icon="refresh", on_click=self.refresh).props(
                    "flat no-caps").mark("refresh")
                ui.space()
                self.summary = ui.label().classes("text-body2").mark("failures-summary")
            self.live = LiveBar(self.refresh_live, live_text="Updates as files fail or are"
                                                             " tried again.")
            self.box = ui.column().classes("w-full gap-2").mark("failure-groups")
            self.outcome = ui.label().classes("text-body2 sl-wrap").mark("outcome")
            self.confirm = common.Confirm()
        self.confirm.dialog.on_value_change(
            lambda e: self.live.control.hold("confirm", bool(e.value)))
        self.refresh()
        live.hub.subscribe_all(self.on_changes)

    def on_changes(self, changed: list[live.Snapshot]) -> None:
        if failed_counts_moved(self.known_failed, changed):
            self.live.control.changed()

    def choose(self, days: int) -> None:
        self.days = days
        self.refresh()

    def refresh(self) -> None:
        report = common.read(PATH, lambda user: failures.groups(user, days=self.days))
        if report is common.NOTHING:
            return
        self.live.control.shown()
        self.show(report)

    async def refresh_live(self) -> None:
        days = self.days
        report = await common.read_live(self.user.id,
                                        lambda user: failures.groups(user, days=days))
        if report is not common.NOTHING and self.live.control.still_live():
            self.show(report)

    def show(self, report: failures.FailureReport) -> None:
        self.report = report
        files = sum(g.items for g in report.groups)
        self.summary.text = (
            f"{words.plural(files, 'failed file')}, {words.plural(len(report.groups), 'reason')}"
            + ("" if report.complete else
               f" (counted from the newest {failures.MAX_SCANNED:,} failures)"))
        self.box.clear()
        can = common.can_change(self.user)
        with self.box:
            if not report.groups:
                with ui.card().classes("w-full items-center q-pa-lg sl-card"):
                    ui.icon("task_alt").classes("text-5xl sl-muted")
                    ui.label(f"No file failed in the {WINDOWS[self.days].lower()}.").classes(
                        "text-h6")
                return
            for i, group in enumerate(report.groups):
                with ui.card().classes("w-full gap-1 sl-card").mark(f"group-{i}"):
                    with ui.row().classes("w-full items-start no-wrap gap-2"):
                        with ui.column().classes("gap-1 col"):
                            ui.label(group.reason).classes("text-subtitle1 sl-wrap").mark(
                                f"reason-{i}")
                            ui.label(
                                f"{words.plural(group.items, 'file')} in"
                                f" {words.plural(group.batches, 'screening')} · last"
                                f" {common.when(group.last_at)} · first"
                                f" {common.when(group.first_at)}").classes(
                                "text-caption sl-muted").mark(f"counts-{i}")
                            if group.examples:
                                # The newest files, each to its page: attempts, traceback.
                                with ui.row().classes("gap-x-3 gap-y-0").mark(f"files-{i}"):
                                    for item_id, name in group.examples:
                                        ui.link(name or "Unnamed file", f"/items/{item_id}"
                                                ).classes("text-body2 sl-link sl-wrap")
                                    more = group.items - len(group.examples)
                                    if more > 0:
                                        ui.label(f"and {more:,} more").classes(
                                            "text-body2 sl-muted")
                        ui.button("Try again", icon="refresh",
                                  on_click=lambda g=group: self.ask_retry(g)).props(
                            "outline no-caps").mark(f"retry-group-{i}").set_enabled(can)

    def ask_retry(self, group: failures.FailureGroup) -> None:
        days = self.days
        self.confirm.ask(
            f"Try {words.plural(group.items, 'file')} again?",
            f"Every file of the {WINDOWS[days].lower()} that failed with “{group.reason}”"
            f" ({words.plural(group.batches, 'screening')}) goes back in line with fresh"
            " attempts.", "Try again", lambda: self.retry(group.reason, days))

    async def retry(self, reason: str, days: int) -> None:
        result = await common.run_action(
            PATH, lambda user: failures.retry_group(user, reason, days=days))
        if result is None:
            return
        self.outcome.text = result.message
        ui.notify(result.message, type="positive" if result.changed else "info",
                  multi_line=True)
        self.refresh()
