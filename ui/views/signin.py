"""Sign in: email and password."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.accounts.passwords import reset_links_enabled
from app.accounts.signin import authenticate
from app.errors import ShortlistError
from ui import auth, theme

log = logging.getLogger("shortlist.ui.signin")


def register() -> None:
    auth.register_routes()

    @ui.page(auth.SIGNIN_PATH)
    def signin_page(request: Request):
        target = auth.safe_next(request.query_params.get("next"))
        if auth.current_user() is not None:
            return RedirectResponse(target, status_code=303)
        client_ip = request.client.host if request.client else ""
        with theme.frame(None, "Sign in"):
            with ui.card().classes("w-full max-w-sm self-center q-pa-lg gap-3 sl-card"):
                ui.label("Sign in to Shortlist").classes("text-h5")
                ui.label("Screen resumes against your openings.").classes("sl-muted")
                email = ui.input("Email").props(
                    "type=email autocomplete=username autofocus outlined").classes("w-full").mark("email")
                password = ui.input("Password", password=True, password_toggle_button=True)
                password.props("autocomplete=current-password outlined").classes("w-full").mark("password")
                problem = ui.label().classes("text-negative sl-wrap").props("role=alert").mark("problem")
                problem.set_visibility(False)
                if request.query_params.get("again"):
                    # The ticket from the form expired or was used: see ui/auth.py.
                    problem.text = "Signing in did not finish. Please sign in again."
                    problem.set_visibility(True)
                if request.query_params.get("reset"):  # from /reset-password
                    ui.label("Your new password is set. Sign in with it.").classes(
                        "text-positive sl-wrap").props("role=status").mark("reset-done")
                button = ui.button("Sign in").props("unelevated no-caps").classes("w-full").mark(
                    "sign-in")
                if reset_links_enabled():
                    ui.link("Forgot password?", auth.FORGOT_PATH).classes(
                        "sl-link self-center").mark("forgot-link")

            async def submit() -> None:
                problem.set_visibility(False)
                if not (email.value or "").strip() or not password.value:
                    problem.text = "Enter your email and your password."
                    problem.set_visibility(True)
                    return
                button.disable()
                try:
                    user = await run.io_bound(authenticate, email.value, password.value,
                                              client_ip)
                except ShortlistError as exc:
                    problem.text = exc.message
                    problem.set_visibility(True)
                    password.value = ""
                    return
                except Exception:  # noqa: BLE001
                    log.exception("sign-in failed unexpectedly")
                    problem.text = "Signing in is not possible right now. Please try again soon."
                    problem.set_visibility(True)
                    return
                finally:
                    button.enable()
                if user is None:  # the server is shutting down
                    return
                # A new session starts over plain HTTP, where its cookie can be set.
                ui.navigate.to(await auth.signin_ticket_url(user, target))

            button.on_click(submit)
            password.on("keydown.enter", submit)
            email.on("keydown.enter", submit)
