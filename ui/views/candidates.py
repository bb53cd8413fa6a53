"""Candidates: the recruiter's pool, searched, and one candidate's screenings and files
(app.recruiting.candidates reads them; this shows them)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.errors import ShortlistError
from app.recruiting import candidates, forget
from ui import auth, theme, words

PER_PAGE = 25


def register() -> None:
    @ui.page("/candidates")
    def candidates_page(request: Request):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url("/candidates"), status_code=303)
        CandidateSearch(user).build()
        return None

    @ui.page("/candidates/{candidate_id}")
    def candidate_page(request: Request, candidate_id: str):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(f"/candidates/{candidate_id}"),
                                    status_code=303)
        try:
            found = candidates.detail(user, candidate_id)
        except ShortlistError as exc:
            with theme.frame(user, "Candidate"):
                ui.link("← Candidates", "/candidates").classes("text-body2 sl-link")
                ui.label(exc.message).classes("text-h6")
            return None
        show_candidate(user, found)
        return None


class CandidateSearch:
    def __init__(self, user) -> None:
        self.user = user
        self.cursors: list[str | None] = [None]  # the cursor of each page shown so far
        self.chosen: dict[int, str] = {}  # kept across searches and pages

    def build(self) -> None:
        with theme.frame(self.user, "Candidates"):
            ui.label("Candidates").classes("text-h5")
            ui.label("Everyone from your screenings, once each: the same person's resumes"
                     " from several screenings are one candidate.").classes("sl-muted sl-wrap")
            with ui.row().classes("w-full items-start gap-2"):
                self.query = ui.input(
                    "Search", placeholder="Name, email, skill or words from the resume",
                    on_change=lambda: self.search()).props(
                    "outlined clearable debounce=300 type=search").classes(
                    "grow min-w-[14rem]").mark("candidate-search")
                self.years = ui.number(
                    "At least … years", min=0, max=60, step=1, format="%g",
                    on_change=lambda: self.search()).props(
                    "outlined clearable debounce=300").classes("w-40").mark("candidate-years")
            with ui.row().classes("w-full items-center gap-3").mark("chosen-bar") as bar:
                self.chosen_bar = bar
                self.chosen_label = ui.label().classes("sl-wrap")
                self.screen_chosen = ui.button(
                    "Screen them for an opening", icon="play_arrow").props(
                    "unelevated no-caps").mark("screen-chosen")
                ui.button("Clear", on_click=self.clear_chosen).props("flat no-caps")
            self.results = ui.column().classes("w-full gap-2").mark("candidate-results")
            with ui.row().classes("w-full justify-end gap-2"):
                self.previous = ui.button("Previous", on_click=lambda: self.turn(-1)).props(
                    "flat no-caps")
                self.next = ui.button("Next", on_click=lambda: self.turn(1)).props(
                    "flat no-caps").mark("candidates-next")
        self.search()
        self.show_chosen()

    def choose(self, row: candidates.CandidateRow, on: bool) -> None:
        if on:
            self.chosen[row.id] = row.name
        else:
            self.chosen.pop(row.id, None)
        self.show_chosen()

    def clear_chosen(self) -> None:
        self.chosen.clear()
        self.show()
        self.show_chosen()

    def show_chosen(self) -> None:
        n = len(self.chosen)
        self.chosen_bar.set_visibility(n > 0)
        self.chosen_label.text = f"{words.plural(n, 'candidate')} chosen"
        # A link (Quasar renders `href` as <a>) to New screening with the selection.
        ids = ",".join(str(i) for i in self.chosen)
        self.screen_chosen.props(f"href=/new?candidates={ids}")

    def search(self) -> None:
        self.cursors = [None]
        self.show()

    def turn(self, step: int) -> None:
        if step < 0 and len(self.cursors) > 1:
            self.cursors.pop()
        self.show(forward=step > 0)

    def show(self, forward: bool = False) -> None:
        user = auth.current_user()
        if user is None:
            ui.navigate.to(auth.signin_url("/candidates"))
            return
        cursor = self.next_cursor if forward else self.cursors[-1]
        try:
            years = self.years.value
            page = candidates.search(user, self.query.value, cursor=cursor, limit=PER_PAGE,
                                     min_years=None if years in (None, "") else float(years))
        except ShortlistError as exc:
            self.results.clear()
            with self.results:
                ui.label(exc.message).classes("text-negative sl-wrap")
            return
        if forward:
            self.cursors.append(cursor)
        self.next_cursor = page.next_cursor
        self.results.clear()
        with self.results:
            if not page.rows:
                ui.label("No candidate matches that." if self.query.value else
                         "No candidates yet: they appear here when a screening finishes.")\
                    .classes("sl-muted")
            for row in page.rows:
                _candidate_card(row, row.id in self.chosen,
                                lambda e, row=row: self.choose(row, e.value))
        self.next.set_visibility(page.next_cursor is not None)
        self.previous.set_visibility(len(self.cursors) > 1)


def _candidate_card(row: candidates.CandidateRow, chosen: bool, on_choose) -> None:
    with ui.card().classes("w-full gap-1 sl-card").mark(f"candidate-{row.id}"):
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            box = ui.checkbox(value=chosen, on_change=on_choose).mark(f"choose-{row.id}")
            # Set as a value, never parsed from a props string: names hold quotes.
            box._props["aria-label"] = f"Choose {row.label}"
            ui.link(row.label, f"/candidates/{row.id}").classes("text-h6 sl-wrap sl-link")
        contacts = " · ".join(v for v in (row.email, row.phone) if v)
        if contacts or not row.name:
            ui.label(contacts or "No name found in the resume").classes(
                "text-caption sl-muted sl-wrap")
        facts = [words.years_text(row.years)] if row.years is not None else []
        facts.append(f"last screened {words.when_text(row.updated_at)}")
        ui.label(" · ".join(f for f in facts if f)).classes("text-caption sl-muted")
        if row.skills:
            with ui.row().classes("gap-1"):
                for skill in row.skills[:12]:
                    ui.chip(skill).props("dense outline color=primary")


def show_candidate(user, found: candidates.CandidateDetail) -> None:
    row = found.candidate
    with theme.frame(user, row.label):
        ui.link("← Candidates", "/candidates").classes("text-body2 sl-link")
        ui.label(row.label).classes("text-h5 sl-wrap")
        if not row.name:
            ui.label("No name found in the resume: shown by its file name.").classes(
                "sl-muted")
        with ui.card().classes("w-full gap-2 sl-card"):
            contacts = " · ".join(v for v in (row.email, row.phone) if v)
            if contacts:
                ui.label(contacts).classes("sl-wrap")
            if row.years is not None:
                ui.label(words.years_text(row.years)).classes("sl-muted")
            if row.skills:
                with ui.row().classes("gap-1"):
                    for skill in row.skills:
                        ui.chip(skill).props("dense outline color=primary")
        _forget_button(row)
        with ui.card().classes("w-full gap-2 sl-card").mark("candidate-files"):
            ui.label(f"Screenings ({len(found.files)})").classes("text-h6")
            with ui.list().props("separator").classes("w-full"):
                for file in found.files:
                    with ui.item():
                        with ui.item_section():
                            ui.link(file.batch_title, f"/screenings/{file.batch_id}").classes(
                                "sl-wrap sl-link")
                            score = "" if file.score is None else f"score {file.score:.0f}"
                            band = words.BAND_WORDS.get(file.band or "", "")
                            ui.item_label(" · ".join(v for v in (
                                score, band, words.when_text(file.screened_at)) if v)).props(
                                "caption")
                        with ui.item_section().props("side"):
                            ui.link(file.name, f"/resumes/{file.item_id}", new_tab=True).classes(
                                "sl-file-link sl-wrap")


def _forget_button(row: candidates.CandidateRow) -> None:
    async def forget_now() -> None:
        dialog.close()
        user = auth.current_user()
        if user is None:
            return
        try:
            await run.io_bound(forget.forget_candidate, user, row.id)
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
            return
        ui.navigate.to("/candidates")

    with ui.dialog() as dialog, ui.card().classes("gap-3 q-pa-lg"):
        ui.label("Delete this candidate?").classes("text-h6")
        ui.label(f"Every resume of {row.name or 'this person'} is deleted from all your"
                 " screenings, with their results; the screenings' reports are rebuilt"
                 " without them. This cannot be undone.").classes("sl-wrap")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep them", on_click=dialog.close).props("flat no-caps")
            ui.button("Delete candidate", on_click=forget_now).props(
                "unelevated no-caps color=negative").mark("confirm-forget")
    ui.button("Delete candidate", icon="delete_outline", on_click=dialog.open).props(
        "flat dense no-caps color=negative").mark("forget-candidate")
