"""A candidate's details: the score as its parts with their reasons, the skills with what
showed them, experience, education and contact details."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app import analysis as app_analysis
from app.recruiting import queries
from ui import words
from ui.components import chips


def render_detail(item: queries.ItemDetail, team=None, *, resume_href: str | None = None,
                  blind: bool = False) -> None:
    """One candidate: score and fit, the score's parts with their reasons, skills (with
    the evidence found), experience, contact details. `resume_href` is where the original
    opens (its usual address when None); `blind` (a blind share link's redacted item):
    `item.file` is the label ("Candidate 3"), with no file and no resume link."""
    analysis = item.analysis or {}
    profile, match = analysis.get("profile") or {}, analysis.get("match") or {}
    if blind:
        ui.label(item.file).classes("text-h6 sl-wrap")
    else:
        ui.label(profile.get("name") or item.file).classes("text-h6 sl-wrap")
        with ui.row().classes("w-full items-center justify-between gap-x-2 gap-y-0"):
            ui.label(item.file if profile.get("name") else words.NAME_NOT_FOUND).classes(
                "text-caption sl-muted sl-wrap")
            resume_link(item.item_id, item.file, resume_href)
    if team is not None:
        team()
        ui.separator()
    if item.status != "done" or not match:
        ui.label(item.error or "This resume has not been screened yet.").classes("sl-wrap")
        return
    band = match.get("band", "")
    with ui.row().classes("items-center gap-2"):
        ui.label(f"Score {match.get('score', 0)}").classes("text-subtitle1 text-weight-bold")
        ui.badge(words.BAND_WORDS.get(band, band.capitalize()),
                 color=words.BAND_COLORS.get(band, "grey-7")).props("rounded")
    parts = [p for p in match.get("parts") or [] if isinstance(p, dict)]
    if parts:
        _score_parts(parts, match)
    else:  # scored before the parts existed
        ui.label(app_analysis.why_text(app_analysis.Match.from_dict(match))).classes("sl-wrap")
    _skills(match)
    ui.separator()
    with ui.grid().classes("w-full gap-x-4 gap-y-1 grid-cols-1 sm:grid-cols-2"):
        ui.label("Experience: " + words.years_text(profile.get("years")))
        ui.label("Education: " + words.EDUCATION_WORDS.get(profile.get("education") or "none",
                                                           "Not found"))
        for email in profile.get("emails") or []:
            ui.label(f"Email: {email}").classes("sl-wrap")
        for phone in profile.get("phones") or []:
            ui.label(f"Phone: {phone}").classes("sl-wrap")
        for link in profile.get("links") or []:
            ui.label(f"{str(link.get('kind', 'Link')).capitalize()}: {link.get('url', '')}"
                     ).classes("sl-wrap")
    skills = profile.get("skills") or []
    if skills:
        ui.label("All skills found in the resume").classes("text-subtitle2")
        chips(list(skills), color="grey-7")


def resume_link(item_id: int, file: str, href: str | None = None) -> None:
    """The original file: a PDF opens in a new tab (the browser's viewer), another kind
    downloads. A real link, so it can be focused, middle-clicked and opened in a new tab."""
    is_pdf = file.lower().endswith(".pdf")
    ui.link("Open resume" if is_pdf else "Download resume", href or f"/resumes/{item_id}",
            new_tab=is_pdf).classes("sl-action-link").mark("open-resume")


def _score_parts(parts: list[dict[str, Any]], match: dict[str, Any]) -> None:
    """Each part: its label, its points out of its weight with a bar, its one-line reason."""
    with ui.column().classes("w-full gap-3 q-mb-sm").mark("score-parts"):
        for part in parts:
            credit = min(1.0, max(0.0, float(part.get("credit") or 0.0)))
            with ui.column().classes("w-full gap-0"):
                with ui.row().classes("w-full items-baseline justify-between no-wrap"):
                    ui.label(str(part.get("label") or str(part.get("name", "")).capitalize())
                             ).classes("text-weight-medium")
                    ui.label(words.points_text(part.get("points"), part.get("weight"))
                             ).classes("text-weight-medium")
                ui.linear_progress(value=credit, show_value=False, size="6px").props(
                    "rounded color=primary track-color=grey-4").classes("q-my-xs")
                ui.label(str(part.get("reason", ""))).classes("text-body2 sl-muted sl-wrap")
        note = words.score_note(parts, match.get("score", 0),
                                bool(match.get("must_have_missing")))
        if note:
            ui.label(note).classes("text-caption sl-muted sl-wrap")


def _skills(match: dict[str, Any]) -> None:
    """Must-haves found and missing (when the opening has any), then the nice-to-haves."""
    evidence = match.get("skill_evidence") or {}

    def shown(skills: list[str]) -> list[str]:
        return [words.evidence_text(s, evidence.get(s)) for s in skills]

    found, missing = match.get("must_have_matched") or [], match.get("must_have_missing") or []
    nice_found = match.get("nice_to_have_matched") or []
    nice_missing = match.get("nice_to_have_missing") or []
    nice = ("Skills from the description" if match.get("nice_to_have_suggested")
            else "Nice-to-have skills")
    sections = []
    if found or missing:
        sections += [("Must-have skills found", shown(found), "positive", "check"),
                     ("Must-have skills missing", missing, "negative", "close")]
    if nice_found or nice_missing:
        sections += [(f"{nice} found", shown(nice_found), "positive", None),
                     (f"{nice} not found", nice_missing, "grey-7", None)]
    if not sections:
        ui.label("The opening lists no skills to look for.").classes("text-body2 sl-muted")
        return
    with ui.grid().classes("w-full gap-x-4 gap-y-2 grid-cols-1 sm:grid-cols-2").mark(
            "detail-skills"):
        for title, values, color, icon in sections:
            with ui.column().classes("gap-1"):
                ui.label(title).classes("text-subtitle2")
                chips(values, color=color, icon=icon)


def open_detail(dialog: ui.dialog, item, team=None, **shown) -> None:
    """The candidate's details in the page's dialog; `team()` draws the hiring team's
    part (status, star, tags, notes) at the top when given; `shown` as render_detail's."""
    dialog.clear()
    with dialog, ui.card().classes("w-full gap-2 q-pa-md").style(
            "max-width: 44rem").mark("detail"):
        render_detail(item, team, **shown)
        with ui.row().classes("w-full justify-end"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
    dialog.open()


def failed_card(failed) -> None:
    """The files that could not be read, with why (`queries.failed_items`' page)."""
    with ui.card().classes("w-full gap-2 sl-card"):
        ui.label(f"Could not be read ({failed.total})").classes("text-h6")
        ui.label("These files were not screened. Fix them and add them again with “Add"
                 " resumes”, or try them again if the problem was temporary.").classes(
            "text-caption sl-muted sl-wrap")
        with ui.list().props("separator").classes("w-full"):
            for row in failed.rows:
                # Each opens the file's page: its attempts, "Try again" and "Dismiss".
                with ui.item().props(f"clickable tag=a href=/items/{int(row.item_id)}").mark(
                        f"failed-{int(row.item_id)}"):
                    with ui.item_section().props("avatar"):
                        ui.icon("error_outline", color="negative")
                    with ui.item_section():
                        ui.item_label(row.file).classes("text-weight-medium sl-wrap")
                        ui.item_label(row.reason).props("caption").classes("sl-wrap")
                    with ui.item_section().props("side"):
                        ui.icon("chevron_right")
        if failed.total > len(failed.rows):
            ui.label(f"and {failed.total - len(failed.rows)} more (all of them are in the"
                     " report)").classes("sl-muted")
