"""Forgot password (/forgot-password) and the link's page (/reset-password?token=...).

Both are public. The rules (the same answer for any email, the limits, a link that works
once until it expires) are in app.accounts.passwords.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.accounts import passwords
from app.accounts.users import MIN_PASSWORD_LENGTH
from app.errors import ShortlistError
from ui import auth, theme

log = logging.getLogger("shortlist.ui.forgot")
NO_REFERRER = '<meta name="referrer" content="no-referrer">'


def register() -> None:
    @ui.page(auth.FORGOT_PATH)
    def forgot_page(request: Request):
        if not passwords.reset_links_enabled():
            return RedirectResponse(auth.SIGNIN_PATH, status_code=303)
        client_ip = request.client.host if request.client else ""
        with theme.frame(None, "Forgot password"):
            ForgotCard(client_ip)

    @ui.page(auth.RESET_PATH)
    async def reset_page(request: Request):
        # The token is in the address: no other site may see it in a Referer header.
        ui.add_head_html(NO_REFERRER)
        token = request.query_params.get("token", "")
        check = await run.io_bound(passwords.check_link, token)
        with theme.frame(None, "Choose a new password"):
            ResetCard(token, check)


def _card() -> ui.card:
    return ui.card().classes("w-full max-w-sm self-center q-pa-lg gap-3 sl-card")


class ForgotCard:
    def __init__(self, client_ip: str) -> None:
        self.client_ip = client_ip
        with _card().mark("forgot-card"):
            ui.label("Forgot your password?").classes("text-h5")
            ui.label("Enter the email you sign in with. We will send you a link to choose"
                     " a new password.").classes("sl-muted sl-wrap")
            self.email = ui.input("Email").props(
                "type=email autocomplete=username autofocus outlined").classes(
                "w-full").mark("forgot-email")
            self.problem = ui.label().classes("text-negative sl-wrap").props(
                "role=alert").mark("forgot-problem")
            self.problem.set_visibility(False)
            self.answer = ui.label().classes("text-body1 sl-wrap").props(
                "role=status").mark("forgot-answer")
            self.answer.set_visibility(False)
            self.button = ui.button("Send me a link").props("unelevated no-caps").classes(
                "w-full").mark("send-link")
            ui.link("Back to sign in", auth.SIGNIN_PATH).classes("sl-link self-center")
        self.button.on_click(self.submit)
        self.email.on("keydown.enter", self.submit)

    async def submit(self) -> None:
        self.problem.set_visibility(False)
        if not (self.email.value or "").strip():
            self.problem.text = "Enter your email."
            self.problem.set_visibility(True)
            return
        self.button.disable()
        try:
            answer = await run.io_bound(passwords.request_reset, self.email.value,
                                        self.client_ip)
        except ShortlistError as exc:
            self.problem.text = exc.message
            self.problem.set_visibility(True)
            self.button.enable()
            return
        except Exception:  # noqa: BLE001
            log.exception("a password reset request failed unexpectedly")
            self.problem.text = "This is not possible right now. Please try again soon."
            self.problem.set_visibility(True)
            self.button.enable()
            return
        if answer is None:  # the server is shutting down
            return
        self.answer.text = answer
        self.answer.set_visibility(True)
        self.email.disable()
        self.button.set_visibility(False)


class ResetCard:
    def __init__(self, token: str, check: passwords.LinkCheck) -> None:
        self.token = token
        with _card().mark("reset-card"):
            ui.label("Choose a new password").classes("text-h5")
            if check.problem is not None:
                ui.label(check.problem).classes("text-body1 sl-wrap").props(
                    "role=alert").mark("link-problem")
                ui.link("Ask for a new link", auth.FORGOT_PATH).classes("sl-link")
                ui.link("Sign in", auth.SIGNIN_PATH).classes("sl-link")
                return
            ui.label(f"For {check.email}.").classes("sl-muted sl-wrap").mark("reset-email")
            self.new = self._field("New password", "reset-new")
            self.new._props["hint"] = f"At least {MIN_PASSWORD_LENGTH} characters."
            self.again = self._field("New password again", "reset-again")
            ui.label("This signs you out everywhere and revokes your API tokens.").classes(
                "text-body2 sl-wrap")
            self.problem = ui.label().classes("text-negative sl-wrap").props(
                "role=alert").mark("reset-problem")
            self.problem.set_visibility(False)
            self.button = ui.button("Set the new password").props(
                "unelevated no-caps").classes("w-full").mark("set-password")
        self.button.on_click(self.submit)
        self.again.on("keydown.enter", self.submit)

    @staticmethod
    def _field(label: str, marker: str) -> ui.input:
        field = ui.input(label, password=True, password_toggle_button=True).classes("w-full")
        field.props("outlined autocomplete=new-password").mark(marker)
        return field

    async def submit(self) -> None:
        self.problem.set_visibility(False)
        if not self.new.value:
            self.problem.text = "Enter the new password twice."
        elif self.new.value != self.again.value:
            self.problem.text = "The two passwords are not the same. Type the new one twice."
        else:
            self.button.disable()
            try:
                done = await run.io_bound(passwords.reset_with_link, self.token, self.new.value)
            except ShortlistError as exc:
                self.problem.text = exc.message
                self.button.enable()
            else:
                if done is not None:
                    ui.navigate.to(f"{auth.SIGNIN_PATH}?reset=1")
                return
        self.problem.set_visibility(True)
