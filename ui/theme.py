"""The shared look: colours, the header with navigation, light and dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app as web
from nicegui import ui

from app.accounts.permissions import is_admin
from app.models import User
from ui import auth
from ui.bell import Bell

PRIMARY = "#2754b5"
THEME_KEY = "shortlist-theme"

_CSS = """
.sl-page { width: 100%; max-width: 1200px; margin: 0 auto; }
.sl-muted { opacity: 0.72; }
.sl-drop .q-uploader { width: 100%; max-height: none; }
.sl-drop .q-uploader__list { display: none; }
/* The drop zone reads as a place to put files, not as a button: a dashed outline on the
   page's own background (Quasar's uploader header is a solid primary block). */
.sl-drop .q-uploader__header { background: transparent !important; color: inherit !important;
  border: 2px dashed rgba(39, 84, 181, 0.55); border-radius: 6px; }
.sl-drop .q-uploader__header:hover, .sl-drop .q-uploader__header:focus-within {
  background: rgba(39, 84, 181, 0.06) !important; }
body.body--dark .sl-drop .q-uploader__header { border-color: rgba(157, 184, 255, 0.6); }
body.body--dark .sl-dropzone .q-icon { color: #9db8ff !important; }
.sl-dropzone:focus-visible { outline: 2px solid var(--q-primary); outline-offset: 2px; }
.sl-dropzone { min-height: 11rem; cursor: pointer; }
/* Long words (file names, e-mail addresses) break only where they would overflow; with
   `anywhere` they broke mid-word and squeezed table columns to a few letters. */
.sl-wrap { overflow-wrap: break-word; }
.sl-tabs { overflow-x: auto; scrollbar-width: thin; }
.sl-tabs .q-btn { flex-shrink: 0; }
/* Visible keyboard focus on rows, headers and links. */
.sl-table tbody tr:focus-visible, .sl-table th:focus-visible, .sl-grid-item:focus-visible,
.sl-link:focus-visible { outline: 2px solid var(--q-primary); outline-offset: -2px; }
/* Links among Material controls: the primary colour, underlined only on hover. */
.sl-link { color: var(--q-primary); text-decoration: none; font-weight: 500; }
.sl-link:hover { text-decoration: underline; }
.sl-table { width: 100%; }
.sl-table .q-table td, .sl-table .q-table th { padding: 6px 8px; }
/* Headers on one line, at one height (the sort arrow wrapped above a narrow one). */
.sl-table .q-table th { white-space: nowrap; vertical-align: bottom; }
.sl-table tbody tr { cursor: pointer; }
body.body--dark .sl-card { background: #1e2430; }
body.body--dark .text-primary, body.body--dark a { color: #9db8ff !important; }
/* Outlined and flat buttons and outlined chips colour their text with Quasar's colour
   variables (its !important rules sit in a cascade layer, which no plain rule outranks):
   on a dark card the light theme's blue and red were 2.2:1 and 2.8:1, so these controls
   get lighter ones in dark mode (7.9:1, 6.6:1). Filled buttons keep theirs. */
body.body--dark .q-btn--outline, body.body--dark .q-btn--flat,
body.body--dark .q-chip--outline { --q-primary: #9db8ff; --q-negative: #ff8a80;
  --q-positive: #6fd39b; }
body.body--dark .sl-link { color: #9db8ff; }
.sl-grid-item { cursor: pointer; }
.sl-action-link { color: #2754b5; font-weight: 500; text-decoration: none; padding: 6px 10px;
  border-radius: 4px; }
.sl-action-link:hover { background: rgba(39, 84, 181, 0.08); }
.sl-action-link:focus-visible { outline: 2px solid currentColor; outline-offset: 2px; }
.sl-file-link { color: inherit; opacity: 0.8; text-decoration: underline dotted; }
.sl-file-link:hover { opacity: 1; text-decoration: underline; }
.sl-file-link:focus-visible { outline: 2px solid currentColor; outline-offset: 1px; }
"""


def apply_colors() -> None:
    """The colours of every page (set once, before ui.run)."""
    web.colors(primary=PRIMARY, secondary="#5b6b8c", accent="#7a4fc9", positive="#1f8a4c",
              negative="#c62828", warning="#b26a00", info="#1f6fb2")


@contextmanager
def frame(user: User | None, title: str) -> Iterator[ui.column]:
    """The page around `title`: header, navigation, sign-out, theme toggle; yields the body."""
    ui.page_title(f"{title} · Shortlist")
    ui.add_css(_CSS)
    # Light or dark follows the device (ui.run(dark=None)) until the person picks one;
    # their pick is kept in this browser only (localStorage), never on the server.
    ui.run_javascript(
        f"const t = localStorage.getItem('{THEME_KEY}');"
        " if (t === 'dark' || t === 'light') setDark(t === 'dark');"
    )

    def toggle_theme() -> None:
        ui.run_javascript(
            "const d = !document.body.classList.contains('body--dark'); setDark(d);"
            f" localStorage.setItem('{THEME_KEY}', d ? 'dark' : 'light');"
        )

    with ui.header(elevated=True).classes("items-center q-px-md q-py-sm gap-2"):
        with ui.link(target="/").classes("no-underline text-white row items-center gap-2"):
            ui.icon("fact_check").classes("text-2xl")
            ui.label("Shortlist").classes("text-h6 text-weight-bold")
        ui.space()
        if user is not None:
            # Links (Quasar renders a button with `href` as <a>): they open in a new tab.
            with ui.row().classes("items-center gap-1 gt-xs").props("role=navigation"):
                nav_link("My screenings", "list_alt", "/")
                nav_link("New screening", "add", "/new")
                nav_link("Candidates", "groups", "/candidates").mark("nav-candidates")
                if is_admin(user):
                    nav_link("Admin", "admin_panel_settings", "/admin").mark("nav-admin")
        if user is not None:
            Bell(user)
        ui.button(icon="contrast", on_click=toggle_theme).props(
            "flat round color=white aria-label='Switch between light and dark'").tooltip(
            "Light or dark")
        if user is not None:
            with ui.button(icon="account_circle").props(
                    "flat round color=white aria-label='Account'"):
                with ui.menu():
                    ui.label(user.email).classes("q-px-md q-pt-sm text-caption sl-muted sl-wrap")
                    ui.menu_item("My screenings").props("href=/")
                    ui.menu_item("New screening").props("href=/new")
                    ui.menu_item("Candidates").props("href=/candidates")
                    if is_admin(user):
                        ui.menu_item("Admin").props("href=/admin")
                    ui.separator()
                    ui.menu_item("Password and API tokens").props(f"href={auth.ACCOUNT_PATH}"
                                                                  ).mark("menu-account")
                    ui.menu_item("Sign out", on_click=_sign_out).mark("sign-out")
    with ui.column().classes("sl-page q-pa-md gap-4") as body:
        yield body


@contextmanager
def outside_frame(title: str, note: str) -> Iterator[ui.column]:
    """A page for someone outside (a share link's viewer): the look, a header with the
    name and `note`, and nothing that leads into the app."""
    ui.page_title(f"{title} · Shortlist")
    ui.add_css(_CSS)
    with ui.header(elevated=True).classes("items-center q-px-md q-py-sm gap-2"):
        ui.icon("fact_check").classes("text-2xl")
        ui.label("Shortlist").classes("text-h6 text-weight-bold")
        ui.space()
        ui.label(note).classes("text-body2")
    with ui.column().classes("sl-page q-pa-md gap-4") as body:
        yield body


def nav_link(label: str, icon: str, path: str) -> ui.button:
    """A header link that looks like the header's buttons."""
    return ui.button(label, icon=icon).props(f"flat color=white no-caps href={path}")


@contextmanager
def admin_frame(user: User, title: str, path: str) -> Iterator[ui.column]:
    """An admin view: the shared frame plus the dashboard's tabs, `path` highlighted."""
    from ui.views.admin import VIEWS

    with frame(user, title) as body:
        # Links in one row that scrolls sideways on a phone (it wrapped onto four rows).
        with ui.row().classes("w-full items-center gap-1 no-wrap sl-tabs").mark("admin-nav"):
            for target, label, icon in VIEWS:
                button = ui.button(label, icon=icon).props(f"href={target}")
                button.props("no-caps " + ("unelevated color=primary" if target == path
                                           else "flat color=primary"))
                if target == path:
                    button.props("aria-current=page")
            if user.role == "readonly_admin":
                ui.space()
                ui.badge("Read-only").props("color=grey-7").mark("read-only-badge")
        ui.label(title).classes("text-h5")
        yield body


def _sign_out() -> None:
    ui.navigate.to(auth.sign_out())


def not_found(user: User | None, message: str) -> None:
    """What someone sees for a screening that is not theirs or does not exist."""
    with frame(user, "Not found"):
        with ui.card().classes("w-full items-center q-pa-xl sl-card"):
            ui.icon("search_off").classes("text-6xl sl-muted")
            ui.label(message).classes("text-h6 text-center").props("role=alert")
            ui.label("It may have been deleted, or the link may be incomplete.").classes(
                "sl-muted text-center")
            ui.button("Back to my screenings", icon="arrow_back",
                      on_click=lambda: ui.navigate.to("/")).props("no-caps")


ADMINS_ONLY = "This page is for admins."


def admins_only(user: User) -> None:
    """What a recruiter sees at an admin address."""
    with frame(user, "For admins"):
        with ui.card().classes("w-full items-center q-pa-xl sl-card"):
            ui.icon("lock").classes("text-6xl sl-muted")
            ui.label(ADMINS_ONLY).classes("text-h6 text-center").props("role=alert")
            ui.label("The admin dashboard runs the workers and the accounts. Ask an admin"
                     " of your Shortlist if you need something there.").classes(
                "sl-muted text-center")
            ui.button("Back to my screenings", icon="arrow_back").props("no-caps href=/")


def error_page(message: str = "Something went wrong on our side. Please try again in a"
               " moment.") -> None:
    """An unexpected error, without any technical detail."""
    with ui.column().classes("w-full items-center q-pa-xl gap-4"):
        ui.icon("error_outline").classes("text-6xl text-negative")
        ui.label("Sorry, this page could not be shown.").classes("text-h6 text-center")
        ui.label(message).classes("sl-muted text-center")
        ui.link("Back to my screenings", "/")
