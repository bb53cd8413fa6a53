"""Your API tokens, on the account page: list, create (the token shown once), revoke.

The rules (a name's length, at most 50 active, only one's own) are in app.accounts.tokens.
A new token stays on the page until "Done" or the page goes; it is never read back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui

from app.accounts import tokens
from app.accounts.tokens import MAX_NAME_CHARS, TokenInfo
from app.errors import ShortlistError
from app.models import User
from ui import words
from ui.views.admin.common import Confirm

FIELD_BASIS = "14rem"  # the name field's width before the button wraps under it


class TokensCard:
    def __init__(self, user: User) -> None:
        self.user = user
        self.confirm = Confirm()
        # Told when a token is made or revoked: the password card's warning counts them.
        self.on_changed: Callable[[], Awaitable[None]] | None = None
        with ui.card().classes("w-full max-w-xl q-pa-lg gap-3 sl-card").mark("tokens-card"):
            ui.label("API tokens").classes("text-h6")
            with ui.element("div").classes("text-body2 sl-wrap"):
                ui.html("A token lets a script or another program use Shortlist's"
                        " <a class='sl-link' href='/api/v1/docs' target='_blank'>API</a> as"
                        " you. It is shown once, when you create it: keep it like a"
                        " password.", sanitize=False)
            # On a phone the button goes under the name (it wrapped onto three lines beside it).
            with ui.row().classes("w-full items-start gap-2"):
                self.name = ui.input("Name (what it is for)").props(
                    f"outlined dense maxlength={MAX_NAME_CHARS}").style(
                    f"flex: 1 1 {FIELD_BASIS}; min-width: 0").mark("token-name")
                self.create_button = ui.button("Create token", icon="add",
                                               on_click=self.create).props(
                    "unelevated no-caps").classes("q-mt-xs text-no-wrap").mark("create-token")
            self.name.on("keydown.enter", self.create)
            self.problem = ui.label().classes("text-negative sl-wrap").props(
                "role=alert").mark("token-problem")
            self.problem.set_visibility(False)
            with ui.column().classes("w-full gap-2 q-pa-md rounded-borders").style(
                    "border: 2px solid var(--q-positive)").mark("new-token") as self.fresh:
                self.fresh_title = ui.label().classes("text-subtitle1 text-weight-medium sl-wrap")
                # A token is one long word: it may break anywhere, never overflow.
                self.fresh_value = ui.label().classes("text-body2 w-full").style(
                    "font-family: monospace; overflow-wrap: anywhere").mark("token-value")
                ui.label("Copy it now: it is shown only this once. Send it with"
                         " \"Authorization: Bearer <token>\".").classes("text-body2 sl-wrap")
                with ui.row().classes("w-full justify-end gap-2"):
                    ui.button("Copy", icon="content_copy", on_click=self.copy_token).props(
                        "unelevated no-caps").mark("copy-token")
                    ui.button("Done", on_click=self.hide_token).props(
                        "flat no-caps").mark("token-done")
            self.fresh.set_visibility(False)
            self.list = ui.column().classes("w-full gap-0").mark("token-list")
        ui.timer(0, self.refresh, once=True)

    # --- Reading -------------------------------------------------------------------------

    async def refresh(self) -> None:
        try:
            found = await run.io_bound(tokens.list_tokens, self.user)
        except ShortlistError as exc:
            self._say(exc.message)
            return
        if found is None:
            return
        self.show([t for t in found if t.active])

    def show(self, active: list[TokenInfo]) -> None:
        self.list.clear()
        with self.list:
            if not active:
                ui.label("You have no API tokens.").classes("sl-muted").mark("no-tokens")
                return
            for token in active:
                self._row(token)

    def _row(self, token: TokenInfo) -> None:
        with ui.row().classes("w-full items-center no-wrap gap-2 q-py-sm").style(
                "border-top: 1px solid rgba(128, 128, 128, 0.25)").mark(f"token-{token.id}"):
            with ui.column().classes("gap-0").style("flex: 1 1 0; min-width: 0"):
                ui.label(token.name or "Unnamed token").classes(
                    "text-body1 text-weight-medium sl-wrap")
                used = (f"last used {words.when_text(token.last_used_at)}"
                        if token.last_used_at else "never used")
                ui.label(f"{token.prefix}… · created {words.when_text(token.created_at)} ·"
                         f" {used}").classes("text-caption sl-muted sl-wrap")
            button = ui.button("Revoke", on_click=lambda t=token: self.ask_revoke(t)).props(
                "flat no-caps color=negative").classes("flex-none").mark("revoke-token")
            button._props["aria-label"] = f"Revoke {token.name or token.prefix}"

    def _say(self, problem: str) -> None:
        self.problem.text = problem
        self.problem.set_visibility(True)

    # --- Acting --------------------------------------------------------------------------

    async def create(self) -> None:
        self.problem.set_visibility(False)
        name = self.name.value or ""
        self.create_button.disable()
        try:
            made = await run.io_bound(tokens.issue, self.user, name)
        except ShortlistError as exc:
            self._say(exc.message)
            return
        finally:
            self.create_button.enable()
        if made is None:
            return
        info, token = made
        self.name.value = ""
        self.fresh_title.text = f"Your new token \u201c{info.name}\u201d" if info.name \
            else "Your new token"
        self.fresh_value.text = token
        self.fresh.set_visibility(True)
        await self.refresh()
        if self.on_changed is not None:
            await self.on_changed()

    def copy_token(self) -> None:
        ui.clipboard.write(self.fresh_value.text)
        ui.notify("Copied.", type="positive")

    def hide_token(self) -> None:
        self.fresh_value.text = ""  # gone from the page
        self.fresh.set_visibility(False)

    def ask_revoke(self, token: TokenInfo) -> None:
        name = f"\u201c{token.name}\u201d" if token.name else f"{token.prefix}…"
        self.confirm.ask(f"Revoke the token {name}?",
                         "Scripts and programs using it are refused from now on. This cannot"
                         " be undone: make a new token if you need one again.", "Revoke",
                         lambda: self.revoke(token), danger=True)

    async def revoke(self, token: TokenInfo) -> None:
        try:
            await run.io_bound(tokens.revoke, self.user, token.id)
        except ShortlistError as exc:
            self._say(exc.message)
            return
        ui.notify("The token is revoked.", type="positive")
        await self.refresh()
        if self.on_changed is not None:
            await self.on_changed()
