"""The page a share link opens, signed out: one screening's ranked list, each candidate's
explanation and (unless the link is blind) their original file. Nothing else: no
navigation into the app, no actions. Rules in app.recruiting.sharing.

A link that expired, was withdrawn or never existed is one plain page with 404; its
responses carry `Referrer-Policy: no-referrer` and `X-Robots-Tag: noindex` (ui/web.py).
"""

from __future__ import annotations

import html

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from nicegui import app as web
from nicegui import run, ui

from app.errors import NotFound
from app.recruiting import sharing
from ui import theme, words
from ui.downloads import original_response
from ui.views.detail import open_detail

PATH = sharing.PATH_PREFIX + "{token}"

GONE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Link not available</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem 1.5rem; text-align: center">
<p style="font-size: 1.25rem">{message}</p></body></html>"""


def gone(status: int = 404, message: str = sharing.GONE, **headers: str) -> HTMLResponse:
    return HTMLResponse(GONE_PAGE.format(message=html.escape(message)), status_code=status,
                        headers=headers)


def _page_number(value: str) -> int:
    try:
        return min(max(1, int(value)), 1_000_000)
    except ValueError:
        return 1


def register() -> None:
    @ui.page(PATH)
    async def shared_page(request: Request, token: str, page: str = "1"):
        try:
            shared = await run.io_bound(sharing.open_link, token)
            rows = await run.io_bound(sharing.shared_rows, shared, _page_number(page))
        except sharing.TooManyViews as exc:
            return gone(429, exc.message, **{"Retry-After": str(exc.retry_after_s)})
        except NotFound:
            return gone()
        SharedView(token, shared, rows).build()
        return None

    @web.get(PATH + "/resumes/{item_id}", include_in_schema=False)
    def shared_resume(token: str, item_id: str) -> Response:
        try:
            original = sharing.shared_original(token, item_id)
        except sharing.TooManyViews as exc:
            return PlainTextResponse(exc.message, status_code=429,
                                     headers={"Retry-After": str(exc.retry_after_s)})
        except sharing.LinkGone:
            return gone()
        except NotFound as exc:
            return PlainTextResponse(exc.message, status_code=404)
        return original_response(original)


def _skill_line(label: str, skills: list[str], color: str, icon: str) -> None:
    """The label and its chips in one row that wraps chip by chip (a nested row of chips
    stacked them one per line on a phone)."""
    if not skills:
        return
    with ui.row().classes("items-center gap-1"):
        ui.label(label).classes("text-body2")
        for skill in skills:  # escaped: the opening's words
            ui.chip(skill, icon=icon, color=color, text_color="white").props("dense square")


class SharedView:
    def __init__(self, token: str, shared: sharing.Shared, rows) -> None:
        self.token, self.shared, self.rows = token, shared, rows

    def build(self) -> None:
        shared, rows = self.shared, self.rows
        title = shared.title or "Untitled opening"
        with theme.outside_frame(title, "Shared with you, read-only"):
            ui.label(title).classes("text-h5 sl-wrap").mark("shared-title")
            until = shared.expires_at.strftime("%-d %B %Y")
            note = f"Ranked best match first. This link works until {until}."
            if shared.blind:
                note += " Names and contact details are hidden."
            ui.label(note).classes("sl-muted sl-wrap")
            self.detail = ui.dialog()
            if not rows.rows:
                ui.label("No candidate has been screened yet.").classes("text-body1")
                return
            first = (rows.page - 1) * rows.per_page + 1
            shown = f"{first:,}–{first + len(rows.rows) - 1:,} of {rows.total:,}"
            ui.label(f"Candidates {shown}" if rows.pages > 1 else
                     f"{rows.total:,} candidate{'s' if rows.total != 1 else ''}").classes(
                "text-subtitle1 text-weight-medium")
            with ui.column().classes("w-full gap-2").mark("shared-list"):
                for row in rows.rows:
                    self.candidate(row)
            if rows.pages > 1:
                self.pager()

    def candidate(self, row: sharing.SharedRow) -> None:
        # Rank, name and score on top; the skills below take the card's whole width (beside
        # a score column they stacked one chip per line on a phone).
        with ui.card().classes("w-full q-pa-sm gap-1 sl-card").props("flat bordered").mark(
                f"shared-row-{row.rank}"):
            with ui.row().classes("w-full items-center no-wrap gap-3"):
                ui.label(str(row.rank)).classes("text-h6").style("min-width: 1.5rem")
                ui.label(row.shown_as).classes("col text-subtitle1 text-weight-medium sl-wrap")
                score = ui.label(str(row.score)).classes("text-h6")
                score._props["aria-label"] = f"Score {row.score}"
                ui.badge(words.BAND_WORDS.get(row.band, row.band.capitalize()),
                         color=words.BAND_COLORS.get(row.band, "grey-7")).props("rounded")
            _skill_line("Must-haves found:", row.must_have_matched, "positive", "check")
            _skill_line("Must-haves missing:", row.must_have_missing, "negative", "close")
            with ui.row().classes("w-full items-center justify-between gap-2"):
                ui.label("Experience: " + words.years_text(row.years)).classes(
                    "text-body2 sl-muted")
                button = ui.button("Details", icon="info_outline",
                                   on_click=lambda r=row: self.show_detail(r)).props(
                    "flat dense no-caps color=primary").mark(f"shared-details-{row.rank}")
                button._props["aria-label"] = f"Details of {row.shown_as}"

    def pager(self) -> None:
        rows = self.rows
        with ui.row().classes("w-full items-center justify-center gap-4"):
            if rows.page > 1:
                ui.link("← Better matches", f"?page={rows.page - 1}").classes("sl-link")
            ui.label(f"Page {rows.page} of {rows.pages}").classes("sl-muted")
            if rows.page < rows.pages:
                ui.link("More candidates →", f"?page={rows.page + 1}").classes("sl-link")

    async def show_detail(self, row: sharing.SharedRow) -> None:
        try:
            item = await run.io_bound(sharing.shared_detail, self.token, row.item_id, row.rank)
        except sharing.LinkGone:
            ui.navigate.reload()  # withdrawn meanwhile: the plain page
            return
        except (NotFound, sharing.TooManyViews) as exc:
            ui.notify(exc.message, type="warning")
            return
        href = f"{sharing.shared_path(self.token)}/resumes/{item.item_id}"
        open_detail(self.detail, item, resume_href=None if self.shared.blind else href,
                    blind=self.shared.blind)
