"""Pieces the admin views share: the page guard, running an action, a confirm dialog,
keyset paging controls and date inputs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.accounts.permissions import can_change_anything, is_admin
from app.accounts.signin import session_user
from app.errors import InvalidInput, ShortlistError
from app.models import User
from ui import auth, theme
from ui.components import act

READ_ONLY_HINT = "Your account can view everything but change nothing."


def admin_user(path: str) -> tuple[User | None, RedirectResponse | None]:
    """The signed-in admin of this page, or (None, what to answer instead).

    Checked in every page builder: sub-page navigation never passes the HTTP middleware.
    Signed out: the sign-in page. A recruiter: a page that says it is for admins (the
    dashboard's address is no secret; "not found" only confused them).
    """
    user = auth.current_user()
    if user is None:
        return None, RedirectResponse(auth.signin_url(path), status_code=303)
    if not is_admin(user):
        theme.admins_only(user)
        return None, None
    return user, None


def can_change(user: User) -> bool:
    """Whether to enable action buttons; the services refuse read-only admins anyway."""
    return can_change_anything(user)


async def run_action(path: str, action: Callable[[User], Any], *,
                     done: str | Callable[[Any], str] | None = None) -> Any:
    """Run a service call for the signed-in user, loaded fresh (a deactivated or demoted
    admin is refused by the service), in a thread; show its message or its refusal."""
    user = auth.current_user()
    if user is None:
        ui.navigate.to(auth.signin_url(path))
        return None

    async def call() -> Any:
        return await run.io_bound(action, user)

    result = await act(call)
    if result is not None and done is not None:
        ui.notify(done(result) if callable(done) else done, type="positive", multi_line=True)
    return result


# What `read` returns when there is nothing to show (None may be a result).
NOTHING = object()


def read(path: str, query: Callable[[User], Any]) -> Any:
    """Run a read for the signed-in user, loaded fresh: signed out, go to sign-in; a
    refusal or a bad filter, say why. Returns the result, or NOTHING after either."""
    user = auth.current_user()
    if user is None:
        ui.navigate.to(auth.signin_url(path))
        return NOTHING
    try:
        return query(user)
    except ShortlistError as exc:
        ui.notify(exc.message, type="warning")
        return NOTHING


async def read_live(user_id: int, query: Callable[[User], Any]) -> Any:
    """A live list's re-read after an event, in a thread: no request is at hand, so the
    user is loaded fresh by id (gone or deactivated: nothing) and the query checks the
    role again (demoted: nothing). Returns the result, or NOTHING."""

    def both() -> Any:
        user = session_user(user_id)
        if user is None:
            return NOTHING
        try:
            return query(user)
        except ShortlistError:
            return NOTHING

    return await run.io_bound(both)


class Confirm:
    """One dialog per page: a question stating exactly what will happen, then the action."""

    def __init__(self) -> None:
        self._on_ok: Callable[[], Awaitable[None] | None] | None = None
        with ui.dialog() as self.dialog, ui.card().classes("gap-3 q-pa-lg").style(
                "max-width: 36rem").mark("confirm"):
            self.title = ui.label().classes("text-h6 sl-wrap")
            self.text = ui.label().classes("sl-wrap")
            with ui.row().classes("w-full justify-end gap-2"):
                self.no = ui.button("Cancel", on_click=self.dialog.close).props(
                    "flat no-caps").mark("confirm-no")
                self.ok = ui.button(on_click=self._confirmed).props(
                    "unelevated no-caps").mark("confirm-yes")

    def ask(self, title: str, text: str, ok: str,
            on_ok: Callable[[], Awaitable[None] | None], *, danger: bool = False) -> None:
        self.title.text, self.text.text, self.ok.text = title, text, ok
        # "Cancel" would be ambiguous beside an action that cancels.
        self.no.text = "Keep them as they are" if ok.lower().startswith("cancel") else "Cancel"
        self.ok.props(f"color={'negative' if danger else 'primary'}")
        self._on_ok = on_ok
        self.dialog.open()

    async def _confirmed(self) -> None:
        self.dialog.close()
        on_ok, self._on_ok = self._on_ok, None
        if on_ok is not None:
            result = on_ok()
            if result is not None:
                await result


class Pager:
    """Previous / next over keyset cursors: page k is fetched with the cursor that ended
    page k-1, so going back re-reads a page from its remembered cursor."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.cursors: list[str | None] = [None]
        self.next_cursor: str | None = None
        self._on_change = on_change
        with ui.row().classes("items-center gap-2").mark("pager"):
            self.back = ui.button("Previous", icon="chevron_left", on_click=self.previous).props(
                "flat no-caps dense").mark("page-previous")
            self.label = ui.label().classes("text-body2 sl-muted")
            self.forward = ui.button("Next", icon="chevron_right", on_click=self.next).props(
                "flat no-caps dense").mark("page-next")

    @property
    def cursor(self) -> str | None:
        return self.cursors[-1]

    def reset(self) -> None:
        self.cursors = [None]

    def show(self, next_cursor: str | None) -> None:
        self.next_cursor = next_cursor
        self.back.set_enabled(len(self.cursors) > 1)
        self.forward.set_enabled(next_cursor is not None)
        self.label.text = f"Page {len(self.cursors)}"

    def next(self) -> None:
        if self.next_cursor is not None:
            self.cursors.append(self.next_cursor)
            self._on_change()

    def previous(self) -> None:
        if len(self.cursors) > 1:
            self.cursors.pop()
            self._on_change()


def date_input(label: str, marker: str) -> ui.input:
    return ui.input(label, placeholder="YYYY-MM-DD").props(
        "outlined dense clearable type=date stack-label").classes("w-40").mark(marker)


def day_start(value: str | None, *, end: bool = False) -> datetime | None:
    """A date input's value as UTC midnight; `end`: the midnight after it (exclusive)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value} is not a date: write it like 2025-03-31.") from None
    moment = datetime.combine(day, time(), tzinfo=timezone.utc)
    return moment + timedelta(days=1) if end else moment


def when(moment: datetime | None) -> str:
    """An exact time for admins (UTC), e.g. 2025-03-31 14:05 UTC."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


def read_only_note(user: User) -> None:
    if not can_change(user):
        ui.label(READ_ONLY_HINT).classes("text-body2 sl-muted").mark("read-only-note")


def frame(user: User, title: str, path: str):
    return theme.admin_frame(user, title, path)
