"""A screening's "Share" dialog: create a read-only link for someone outside (how long it
works, blind or not), see it once with a copy button, list the links and withdraw one.
app.recruiting.sharing decides who may; this shows and asks."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import run, ui

from app.accounts.permissions import can_act
from app.models import Batch, User
from app.recruiting import sharing
from ui.components import act
from ui.words import date_text, when_text

DAY_CHOICES = {1: "1 day", 3: "3 days", 7: "7 days", 14: "14 days", 30: "30 days",
               60: "60 days", 90: "90 days"}


class ShareDialog:
    def __init__(self, user: User, batch: Batch, viewer: Callable[[], User | None]) -> None:
        # `viewer` reloads the page's user: an account changed since the page opened.
        self.user, self.batch, self.viewer = user, batch, viewer

    def build(self) -> None:
        # Its contents are drawn when first opened: most visits never share.
        self.dialog = ui.dialog()
        self.dialog._props["aria-label"] = "Share this screening"
        self.filled = False

    def fill(self) -> None:
        self.filled = True
        with self.dialog, ui.card().classes("w-full gap-3 q-pa-md").style(
                "max-width: 40rem").mark("share-dialog"):
            ui.label("Share this screening").classes("text-h6")
            ui.label("Anyone with the link sees the ranked list, why each candidate ranks"
                     " there and their resumes, without signing in, until the link expires or"
                     " you withdraw it. They cannot change anything.").classes(
                "text-body2 sl-wrap")
            self.form = ui.column().classes("w-full gap-2")
            with self.form:
                with ui.row().classes("w-full items-center gap-x-4 gap-y-2"):
                    self.days = ui.select(DAY_CHOICES, value=sharing.DEFAULT_DAYS,
                                          label="Link works for").props(
                        "outlined dense options-dense").classes("w-40").mark("share-days")
                    self.blind = ui.checkbox("Blind: hide names and contact details").mark(
                        "share-blind")
                ui.label("A blind link numbers the candidates by rank and shares no resume"
                         " files.").classes("text-caption sl-muted sl-wrap")
                ui.button("Create link", icon="add_link", on_click=self.create).props(
                    "unelevated no-caps").mark("share-create")
            self.created = ui.column().classes("w-full gap-1").mark("share-created")
            ui.separator()
            ui.label("Links to this screening").classes("text-subtitle1 text-weight-medium")
            self.links = ui.column().classes("w-full gap-2").mark("share-links")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=self.dialog.close).props("flat no-caps")

    async def open(self) -> None:
        user = self.viewer()
        if user is None:
            return
        if not self.filled:
            self.fill()
        self.form.set_visibility(can_act(user, self.batch))
        self.created.clear()
        await self.show_links()
        self.dialog.open()

    async def create(self) -> None:
        user = self.viewer()
        if user is None:
            return
        days, blind = int(self.days.value or sharing.DEFAULT_DAYS), bool(self.blind.value)
        new = await act(lambda: run.io_bound(sharing.create_share, user, self.batch.id,
                                             days=days, blind=blind))
        if new is None:
            return
        request = ui.context.client.request
        base = str(request.base_url).rstrip("/") if request is not None else ""
        url = base + sharing.shared_path(new.token)
        self.created.clear()
        with self.created:
            ui.label("Copy the link now: it is shown only this once.").classes(
                "text-body2 text-weight-medium")
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                field = ui.input(value=url).props("outlined dense readonly").classes(
                    "col").mark("share-url")
                field._props["aria-label"] = "The new link"
                ui.button("Copy", icon="content_copy",
                          on_click=lambda: self.copy(url)).props("unelevated no-caps").mark(
                    "share-copy")
        await self.show_links()

    @staticmethod
    def copy(url: str) -> None:
        ui.clipboard.write(url)
        ui.notify("Link copied.", type="positive")

    async def show_links(self) -> None:
        user = self.viewer()
        if user is None:
            return
        links = await act(lambda: run.io_bound(sharing.list_shares, user, self.batch.id))
        if links is None:
            return
        may_withdraw = can_act(user, self.batch)
        self.links.clear()
        with self.links:
            if not links:
                ui.label("None yet.").classes("sl-muted")
            for link in links:
                self.link_row(link, may_withdraw)

    def link_row(self, link: sharing.ShareView, may_withdraw: bool) -> None:
        if link.revoked_at is not None:
            state = f"Withdrawn {when_text(link.revoked_at)}"
        elif not link.active:
            state = f"Expired {date_text(link.expires_at)}"
        else:
            state = f"Works until {date_text(link.expires_at)}"
        views = ("Not opened yet" if not link.views else
                 f"Opened {link.views:,} time{'s' if link.views != 1 else ''},"
                 f" last {when_text(link.last_viewed_at)}")
        with ui.row().classes("w-full items-center justify-between no-wrap gap-2").mark(
                f"share-link-{link.id}"):
            with ui.column().classes("col gap-0"):
                ui.label(("Blind · " if link.blind else "") + state).classes(
                    "text-body2 text-weight-medium sl-wrap")
                ui.label(f"Created {when_text(link.created_at)} by"
                         f" {link.created_by or 'a removed account'} · {views}").classes(
                    "text-caption sl-muted sl-wrap")
            if may_withdraw and link.active:
                ui.button("Withdraw", on_click=lambda i=link.id: self.withdraw(i)).props(
                    "flat dense no-caps color=negative").mark(f"share-withdraw-{link.id}")

    async def withdraw(self, link_id: int) -> None:
        user = self.viewer()
        if user is None:
            return
        if await act(lambda: run.io_bound(sharing.revoke_share, user, link_id),
                     done="Link withdrawn: it no longer opens.") is not None:
            await self.show_links()
