"""Find and compare inside a shortlist: the filter bar above the list, and 2 to 4 chosen
candidates side by side (score parts, skills, must-haves, years, education, the team's
status, tags and notes). The rules are app.recruiting.shortlist_filter and .decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.errors import InvalidInput
from app.recruiting import decisions, queries
from app.recruiting.shortlist_filter import ShortlistFilter
from ui import words
from ui.components import chips

COMPARE_MIN, COMPARE_MAX = 2, 4
ANY = ""
FITS = {ANY: "Any fit", **{k: v for k, v in words.BAND_WORDS.items()}}
STATUSES = {ANY: "Any status", **decisions.STATUS_WORDS}


class FindBar:
    """Search words, fit, status, tag, skill, minimum years and starred; `on_change(filter)`
    after each change (typing waits for a pause)."""

    def __init__(self, on_change: Callable[[ShortlistFilter], None]) -> None:
        self.on_change = on_change
        self.filter = ShortlistFilter()
        with ui.row().classes("w-full items-center gap-2").mark("find"):
            self.words = self._text("Search name, skills, file", "find-words", "w-full sm:w-64")
            self.fit = ui.select(FITS, value=ANY, label="Fit", on_change=self.changed).props(
                "outlined dense options-dense").classes("w-32").mark("find-fit")
            self.status = ui.select(STATUSES, value=ANY, label="Status",
                                    on_change=self.changed).props(
                "outlined dense options-dense").classes("w-36").mark("find-status")
            self.tag = self._text("Tag", "find-tag", "w-28")
            self.skill = self._text("Skill", "find-skill", "w-28")
            self.years = ui.number("Min. years", min=0, max=80, step=1,
                                   on_change=self.changed).props(
                "outlined dense debounce=400").classes("w-28").mark("find-years")
            self.starred = ui.checkbox("Starred only", on_change=self.changed).mark(
                "find-starred")
            self.clear = ui.button("Clear", icon="filter_alt_off", on_click=self.reset).props(
                "flat dense no-caps").mark("find-clear")
            self.clear.set_visibility(False)

    def _text(self, label: str, marker: str, width: str) -> ui.input:
        field = ui.input(label, on_change=self.changed).props(
            "outlined dense clearable debounce=400").classes(width).mark(marker)
        return field

    def read(self) -> ShortlistFilter:
        years = self.years.value
        return ShortlistFilter(
            words=(self.words.value or "").strip() or None,
            band=self.fit.value or None, status=self.status.value or None,
            tag=(self.tag.value or "").strip() or None,
            skill=(self.skill.value or "").strip() or None,
            min_years=float(years) if years not in (None, "") else None,
            starred=True if self.starred.value else None)

    def changed(self) -> None:
        try:
            self.filter = self.read()
        except InvalidInput as exc:
            ui.notify(exc.message, type="warning")
            return
        self.clear.set_visibility(not self.filter.empty)
        self.on_change(self.filter)

    def reset(self) -> None:
        for field in (self.words, self.tag, self.skill):
            field.set_value(None)
        self.fit.set_value(ANY)
        self.status.set_value(ANY)
        self.years.set_value(None)
        self.starred.set_value(False)
        self.changed()


def compare_hint(chosen: int) -> str:
    if chosen < COMPARE_MIN:
        return f"Choose {COMPARE_MIN} to {COMPARE_MAX} candidates to compare them."
    if chosen > COMPARE_MAX:
        return f"Compare at most {COMPARE_MAX} at once ({chosen} chosen)."
    return f"Compare the {chosen} chosen candidates side by side."


def _column(user, item: queries.ItemDetail) -> None:
    analysis = item.analysis or {}
    profile, match = analysis.get("profile") or {}, analysis.get("match") or {}
    team = decisions.decision_of(user, item.item_id)
    notes = decisions.notes_of(user, item.item_id)
    band = match.get("band", "")
    with ui.card().classes("gap-2 sl-card").mark(f"compare-{item.item_id}"):
        ui.label(profile.get("name") or item.file).classes("text-h6 sl-wrap")
        with ui.row().classes("items-center gap-2"):
            ui.label(f"Score {match.get('score', 0)}").classes("text-weight-bold")
            ui.badge(words.BAND_WORDS.get(band, band.capitalize()),
                     color=words.BAND_COLORS.get(band, "grey-7")).props("rounded")
        with ui.row().classes("items-center gap-1"):
            if team.starred:
                ui.icon("star", color="amber-8").props('aria-label="Starred"')
            ui.label("Status: " + decisions.STATUS_WORDS.get(team.status, team.status)
                     ).classes("text-body2")
            if team.tags:
                chips(list(team.tags), color="grey-7")
        for part in match.get("parts") or []:
            ui.label(f"{part.get('label')}: {words.points_text(part.get('points'), part.get('weight'))}"
                     ).classes("text-body2")
        ui.label("Must-haves found").classes("text-subtitle2")
        chips(match.get("must_have_matched") or [], color="positive", icon="check")
        if match.get("must_have_missing"):
            ui.label("Must-haves missing").classes("text-subtitle2")
            chips(match.get("must_have_missing") or [], color="negative", icon="close")
        if match.get("nice_to_have_matched"):
            ui.label("Nice-to-haves found").classes("text-subtitle2")
            chips(match.get("nice_to_have_matched") or [], color="positive")
        ui.label("Experience: " + words.years_text(profile.get("years"))).classes("text-body2")
        ui.label("Education: " + words.EDUCATION_WORDS.get(profile.get("education") or "none",
                                                           "Not found")).classes("text-body2")
        ui.label(f"Notes ({len(notes)})").classes("text-subtitle2")
        for note in notes[-3:]:
            ui.label(f"{note.text} ({note.author})").classes("text-body2 sl-wrap").style(
                "white-space: pre-wrap")


def open_compare(dialog: ui.dialog, user, item_ids: list[Any]) -> None:
    """The chosen candidates side by side: one column each, in list order."""
    shown = [queries.item_detail(user, int(i)) for i in item_ids[:COMPARE_MAX]]
    dialog.clear()
    with dialog, ui.card().classes("w-full q-pa-md gap-2").style(
            "max-width: 90rem").mark("compare"):
        ui.label("Compare candidates").classes("text-h6")
        with ui.element("div").classes("w-full sl-compare").style(
                f"display: grid; gap: 0.75rem; grid-template-columns:"
                f" repeat({len(shown)}, minmax(14rem, 1fr)); overflow-x: auto"):
            for item in shown:
                _column(user, item)
        with ui.row().classes("w-full justify-end"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
    dialog.open()
