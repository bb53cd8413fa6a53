"""Your account (/account): who you are, change your password, your API tokens.

A one-time password (from an admin, or the first start) brings every page here until a
new one is chosen (ui/auth.py's middleware); then the person goes on where they were
going. The rules are in app.accounts.passwords; this page only asks and shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.accounts import passwords
from app.accounts.users import MIN_PASSWORD_LENGTH
from app.errors import ShortlistError
from app.models import User
from ui import auth, theme, words
from ui.views.account_tokens import TokensCard

ROLE_WORDS = {"recruiter": "Recruiter", "admin": "Admin", "readonly_admin": "Read-only admin"}


def register() -> None:
    @ui.page(auth.ACCOUNT_PATH)
    def account_page(request: Request):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(auth.ACCOUNT_PATH), status_code=303)
        target = auth.safe_next(request.query_params.get("next"))
        with theme.frame(user, "Your account"):
            ui.label("Your account").classes("text-h5")
            card = PasswordCard(user, target)
            if not user.must_change_password:
                tokens_card = TokensCard(user)
                card.on_changed, tokens_card.on_changed = tokens_card.refresh, card.show_note


def token_note(count: int) -> str:
    """What a new password does, said before the person confirms it."""
    tokens = ("" if count == 0 else
              f" It also revokes your {words.plural(count, 'API token')}: scripts using"
              f" {'it' if count == 1 else 'them'} stop working until you give them a new one.")
    return ("Changing your password signs you out in every other browser and device; this"
            " one stays signed in." + tokens)


class PasswordCard:
    def __init__(self, user: User, target: str) -> None:
        self.user, self.target = user, target
        self.on_changed: Callable[[], Awaitable[None]] | None = None
        with ui.card().classes("w-full max-w-xl q-pa-lg gap-3 sl-card").mark("password-card"):
            if user.must_change_password:
                with ui.row().classes("w-full no-wrap items-start gap-2").mark("must-change"):
                    ui.icon("key").classes("text-h6 text-warning")
                    ui.label("Choose your own password to go on. The one you were given was"
                             " for your first sign-in only.").classes(
                        "text-body1 text-weight-medium sl-wrap").props("role=status")
            with ui.row().classes("w-full items-baseline justify-between gap-x-3 gap-y-0"):
                ui.label("Change password").classes("text-h6")
                ui.label(f"{user.email} · {ROLE_WORDS.get(user.role, user.role)} ·"
                         f" {user.plan.capitalize()} plan").classes(
                    "text-caption sl-muted sl-wrap").mark("account-who")
            self.current = self._field("Current password", "current-password", "current")
            self.new = self._field("New password", "new-password", "new")
            # A hint under the field: in the label it was cut off on a phone.
            self.new._props["hint"] = f"At least {MIN_PASSWORD_LENGTH} characters."
            self.again = self._field("New password again", "new-password", "again")
            self.note = ui.label().classes("text-body2 sl-wrap").mark("change-note")
            self.problem = ui.label().classes("text-negative sl-wrap").props(
                "role=alert").mark("change-problem")
            self.problem.set_visibility(False)
            self.outcome = ui.label().classes("text-positive sl-wrap").props(
                "role=status").mark("change-outcome")
            self.outcome.set_visibility(False)
            self.button = ui.button("Change password", icon="lock_reset",
                                    on_click=self.submit).props("unelevated no-caps").mark(
                "change-password")
        self.again.on("keydown.enter", self.submit)
        ui.timer(0, self.show_note, once=True)

    def _field(self, label: str, autocomplete: str, marker: str) -> ui.input:
        field = ui.input(label, password=True, password_toggle_button=True).classes("w-full")
        field.props(f"outlined autocomplete={autocomplete}").mark(marker)
        return field

    async def show_note(self) -> None:
        count = await run.io_bound(passwords.active_token_count, self.user)
        if count is not None:
            self.note.text = token_note(count)

    def _say(self, problem: str) -> None:
        self.problem.text = problem
        self.problem.set_visibility(True)

    async def submit(self) -> None:
        self.problem.set_visibility(False)
        self.outcome.set_visibility(False)
        current, new, again = self.current.value or "", self.new.value or "", self.again.value or ""
        if not current or not new:
            self._say("Enter your current password and the new one.")
            return
        if new != again:
            self._say("The two new passwords are not the same. Type the new one twice.")
            return
        self.button.disable()
        try:
            changed = await run.io_bound(passwords.change_password, self.user, current, new)
        except ShortlistError as exc:
            self._say(exc.message)
            return
        finally:
            self.button.enable()
        if changed is None:  # the server is shutting down
            return
        auth.keep_signed_in(changed.user)
        self.current.value = self.new.value = self.again.value = ""
        revoked = (f" {words.plural(changed.tokens_revoked, 'API token')} revoked."
                   if changed.tokens_revoked else "")
        self.outcome.text = ("Your password is changed. Other browsers and devices are"
                             " signed out." + revoked)
        self.outcome.set_visibility(True)
        ui.notify("Your password is changed.", type="positive")
        if self.user.must_change_password:
            ui.navigate.to(self.target)
            return
        await self.show_note()
        if self.on_changed is not None:
            await self.on_changed()
