"""New screening: the opening, its skills, and a drop zone for the resumes."""

from __future__ import annotations

import hashlib
import logging
import uuid

from fastapi import Query, Request
from fastapi.responses import RedirectResponse
from nicegui import context, events, run, ui

from app import analysis
from app.analysis.messages import megabytes
from app.analysis.unpack import safe_name
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import ShortlistError, TooLarge
from app.models import Batch
from app.recruiting import parking, uploads
from app.settings import Settings, get_settings
from ui import auth, theme, words
from ui.components import ACCEPT, DROP_ZONE
from ui.views.saved_openings import SavedOpeningsBar

log = logging.getLogger("shortlist.ui.new")

FILES_PER_PAGE = 50
SHOWN_REJECTED = 100
TITLE_MISSING = "Give the opening a title, for example “Registered Nurse”."


class Pending:
    """The files of one form, checked on the server as they arrive and parked on disk
    (app.recruiting.parking) until the form is submitted or its page goes."""

    def __init__(self, settings: Settings, user_id: int = 0,
                 lot: parking.ParkingLot | None = None, quota: int | None = None) -> None:
        self.settings = settings
        self.parked = (lot or parking.get_lot()).form(user_id)
        self.rejected: list[analysis.Rejected] = []
        # The plan's files per screening, when it is below the upload limit: a file past
        # it is left out when added, with the reason, not refused at submission.
        self.quota = quota if quota is not None and quota < settings.max_files_per_upload \
            else None
        self.limit = self.quota or settings.max_files_per_upload

    @property
    def files(self) -> list[parking.ParkedFile]:
        return self.parked.files

    def add_upload(self, name: str, data: bytes) -> None:
        """Unpack one upload (ZIP archives into their files) and keep what can be read."""
        self.take(self.unpack(name, data, self.total_bytes))

    def unpack(self, name: str, data: bytes, taken_bytes: int) -> analysis.UnpackResult:
        """The documents in one upload, or why not; changes nothing (runs in a thread)."""
        return uploads.unpack_one(self.settings, name, data, taken_bytes)

    def take(self, result: analysis.UnpackResult) -> None:
        self.rejected.extend(result.rejected)
        for file in result.files:
            self._keep(file)

    def _keep(self, file: analysis.UploadedFile) -> None:
        limit = self.limit
        digest = hashlib.sha256(file.data).hexdigest()
        if any(f.digest == digest for f in self.files):
            self.rejected.append(analysis.Rejected(
                file.name, "This file is already in the list (the same content was added"
                " before)."))
            return
        if not self.fits(len(file.data)):
            self.rejected.append(self.too_big(file.name))
            return
        if len(self.files) >= limit:
            held = (f"Your plan screens up to {limit} resumes at once" if self.quota else
                    f"One screening can hold at most {limit} files")
            self.rejected.append(analysis.Rejected(
                file.name, f"{held}; this one was left out. Start another screening for the"
                " rest."))
            return
        names = {f.name.lower() for f in self.files}
        name, n = file.name, 1
        stem, dot, ext = file.name.rpartition(".")
        if not dot:
            stem, ext = file.name, ""
        while name.lower() in names:
            n += 1
            name = f"{stem} ({n}){dot}{ext}"
        try:
            self.parked.park(name, file.data)
        except TooLarge as exc:  # this user's or this process's parking is full
            self.rejected.append(analysis.Rejected(file.name, exc.message))

    def remove(self, index: int) -> None:
        self.parked.remove(index)

    def clear(self) -> None:
        self.parked.clear()
        self.rejected.clear()

    def close(self) -> None:
        """Free the parked files (submitted, or the page went)."""
        self.parked.close()

    @property
    def total_bytes(self) -> int:
        return self.parked.total_bytes

    def fits(self, n_bytes: int) -> bool:
        """Whether n more bytes stay within the limit for one screening."""
        return self.total_bytes + n_bytes <= self.settings.max_upload_bytes

    def too_big(self, name: str) -> analysis.Rejected:
        return analysis.Rejected(safe_name(name), (
            f"Adding this file would go over the {megabytes(self.settings.max_upload_bytes)}"
            " limit for one screening. Start another screening for the rest."))


def register() -> None:
    @ui.page("/new")
    def new_screening_page(request: Request, source: str | None = Query(None, alias="from"),
                           chosen: str | None = Query(None, alias="candidates")):
        user = auth.current_user()
        if user is None:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(auth.signin_url(request.url.path + query), status_code=303)
        # Imported here: they build on this module's form.
        from ui.views.rescreen import CandidatesForm, RescreenForm, candidate_ids, readable_source

        if source and (earlier := readable_source(user, source)) is not None:
            RescreenForm(user, get_settings(), earlier).build()
            return None
        if chosen and (ids := candidate_ids(user, chosen)):
            CandidatesForm(user, get_settings(), ids).build()
            return None
        NewScreeningForm(user, get_settings()).build()
        return None


def _with(values: list[str] | None, more: list[str]) -> list[str]:
    """The chips' values with more skills added once each (any case)."""
    result = list(values or [])
    seen = {v.casefold() for v in result}
    for skill in more:
        if skill.casefold() not in seen:
            seen.add(skill.casefold())
            result.append(skill)
    return result


class NewScreeningForm:
    def __init__(self, user, settings: Settings) -> None:
        self.user = user
        self.settings = settings
        self.pending = Pending(settings, user.id, quota=batches.quota_of(user))
        self.files_page = 1
        # The parked files go with the page (closed, or gone for good after a reconnect
        # timeout), not with the process.
        context.client.on_delete(self.pending.close)
        self.idempotency_key = uuid.uuid4().hex
        self.suggested: list[str] = []

    def build(self) -> None:
        with theme.frame(self.user, "New screening"):
            ui.label("New screening").classes("text-h5")
            with ui.card().classes("w-full gap-3 sl-card"):
                ui.label("The opening").classes("text-h6")
                SavedOpeningsBar(self).build()
                self.title = ui.input(
                    "Job title", placeholder="For example: Registered Nurse, ICU",
                    on_change=self.title_changed).props(
                    "outlined maxlength=200 counter").classes("w-full").mark("title")
                self.description = ui.textarea(
                    "Job description",
                    placeholder="Paste the job description. Skills it names are suggested"
                                " below.",
                    on_change=lambda: self.show_suggestions()).props(
                    # A few lines high from the start: a filled-in description (a
                    # re-screen) showed one clipped line until it was typed in.
                    "outlined autogrow debounce=400 input-style='min-height: 5.5em'").classes(
                    "w-full").mark("description")
                self.suggestion_box = ui.column().classes("w-full gap-1").mark("suggestions")
                self.must = ui.input_chips(
                    "Must-have skills", new_value_mode="add-unique", clearable=True,
                    on_change=lambda: self.show_suggestions()).props("outlined").classes(
                    "w-full").mark("must-have")
                self.must.tooltip("Type a skill and press Enter. Click the x on a chip to"
                                  " remove it.")
                self.nice = ui.input_chips(
                    "Nice-to-have skills", new_value_mode="add-unique", clearable=True,
                    on_change=lambda: self.show_suggestions()).props("outlined").classes(
                    "w-full").mark("nice-to-have")
                with ui.row().classes("w-full items-center gap-x-4 gap-y-1"):
                    self.years = ui.number(
                        "Minimum years of experience", min=0, max=50, step=1,
                        format="%g", placeholder="Optional",
                        on_change=lambda: self.show_years_offer()).props("outlined").classes(
                        "w-full sm:w-80").mark("min-years")
                    self.years_offer = ui.row().classes("items-center gap-2").mark(
                        "years-offer")

            self.build_resumes()
            with ui.row().classes("w-full items-center gap-3"):
                self.submit_button = ui.button(
                    "Start screening", icon="play_arrow", on_click=self.submit).props(
                    "unelevated no-caps size=lg").mark("start")
                self.problem = ui.label().classes("text-negative sl-wrap").props("role=alert").mark(
                    "problem")
                self.problem.set_visibility(False)
            self.show_files()
            self.show_suggestions()

    def limits_text(self) -> str:
        """The limits that apply to this recruiter, before any file is added."""
        s, pending = self.settings, self.pending
        count = (f"Your plan screens up to {pending.limit} resumes at once" if pending.quota
                 else f"Up to {pending.limit} resumes in one screening")
        return (f"{count}, {megabytes(s.max_file_bytes)} per resume and"
                f" {megabytes(s.max_upload_bytes)} in all. PDF, Word (.docx), text or ZIP"
                " files; ZIP archives are unpacked.")

    def build_resumes(self) -> None:
        s = self.settings
        with ui.card().classes("w-full gap-3 sl-card"):
            ui.label("Resumes").classes("text-h6")
            ui.label(self.limits_text()).classes("sl-muted sl-wrap").mark("limits")
            with ui.element("div").classes("w-full sl-drop"):
                self.upload = ui.upload(
                    multiple=True, auto_upload=True,
                    max_total_size=s.max_upload_bytes,
                    max_files=self.pending.limit,
                    on_multi_upload=self.receive,
                    on_rejected=self.browser_rejected,
                ).props(f"accept='{ACCEPT}' flat bordered").classes("w-full").mark("upload")
                # The whole box is the drop zone and the button; files already taken
                # are listed below it by the server, with anything refused and why.
                self.upload.add_slot("header", DROP_ZONE)
            self.file_box = ui.column().classes("w-full gap-1").mark("files")
            self.rejected_box = ui.column().classes("w-full gap-1").mark("rejected")

    def prefill(self, opening: dict) -> None:
        """The form filled with an opening (a re-screen starts from the earlier one)."""
        self.title.value = opening.get("title") or ""
        self.description.value = opening.get("description") or ""
        self.must.value = list(opening.get("must_have") or [])
        self.nice.value = list(opening.get("nice_to_have") or [])
        self.years.value = opening.get("min_years")

    # --- Skills --------------------------------------------------------------------------

    def show_suggestions(self) -> None:
        """Skills the description names, offered as nice-to-haves; only the recruiter
        makes one a must-have (its star)."""
        chosen = {s.casefold() for s in (self.must.value or []) + (self.nice.value or [])}
        self.suggested = [s for s in analysis.suggest_skills(self.description.value or "")
                          if s.casefold() not in chosen]
        self.suggestion_box.clear()
        self.show_years_offer()
        if not self.suggested:
            return
        with self.suggestion_box:
            with ui.row().classes("w-full items-center gap-2"):
                ui.label(words.SUGGESTIONS_HINT).classes("text-body2 sl-muted sl-wrap")
                ui.button("Add all as nice-to-haves", icon="playlist_add",
                          on_click=self.add_all_suggestions).props(
                    "outline no-caps").mark("add-all")
            with ui.row().classes("gap-2"):
                for skill in self.suggested:
                    with ui.button_group().props("outline rounded").classes(
                            "sl-suggestion").mark(f"suggestion-{skill}"):
                        nice = ui.button(skill, icon="add",
                                         on_click=lambda _, s=skill: self.add_nice(s)).props(
                            "outline no-caps dense padding='2px 10px'").mark("add-nice")
                        nice.props["aria-label"] = words.add_nice_label(skill)
                        must = ui.button(icon="star_outline",
                                         on_click=lambda _, s=skill: self.add_must(s)).props(
                            "outline dense padding='2px 8px'").mark("make-must")
                        must.props["aria-label"] = words.make_must_label(skill)
                        must.tooltip(words.make_must_label(skill))

    def add_nice(self, skill: str) -> None:
        self.nice.value = _with(self.nice.value, [skill])  # on_change redraws the suggestions

    def add_must(self, skill: str) -> None:
        self.must.value = _with(self.must.value, [skill])

    def add_all_suggestions(self) -> None:
        self.nice.value = _with(self.nice.value, self.suggested)

    def show_years_offer(self) -> None:
        """Offer the minimum the description asks for while the field is empty; a value the
        recruiter typed is never replaced."""
        self.years_offer.clear()
        asked = analysis.suggest_min_years(self.description.value or "")
        if asked is None or self.years.value not in (None, ""):
            return
        with self.years_offer:
            ui.label(words.years_asked_text(asked)).classes("text-body2 sl-wrap")
            ui.button(words.use_years_text(asked), icon="check",
                      on_click=lambda: self.use_years(asked)).props(
                "outline no-caps").mark("use-years")

    def use_years(self, years: float) -> None:
        if self.years.value in (None, ""):
            self.years.value = years  # on_change hides the offer

    # --- Files ---------------------------------------------------------------------------

    async def receive(self, e: events.MultiUploadEventArguments) -> None:
        for file in e.files:
            size = file.size()
            if not self.pending.fits(size):
                # Checked before reading: the browser's limits can be bypassed.
                self.pending.rejected.append(self.pending.too_big(file.name))
                continue
            data = await file.read()
            result = await run.io_bound(self.pending.unpack, file.name, data,
                                        self.pending.total_bytes)
            if result is not None:  # None: the server is shutting down
                self.pending.take(result)
        self.upload.reset()
        self.show_files()

    def browser_rejected(self) -> None:
        s = self.settings
        ui.notify(f"Some files were not added: more than {self.pending.limit} files or"
                  f" {megabytes(s.max_upload_bytes)} at once.", type="warning", multi_line=True)

    def show_files(self) -> None:
        files, rejected = self.pending.files, self.pending.rejected
        self.file_box.clear()
        with self.file_box:
            if files:
                with ui.row().classes("w-full items-center justify-between"):
                    with ui.column().classes("gap-0"):
                        ui.label(f"{words.plural(len(files), 'resume')} ready to screen"
                                 f" ({words.size_text(self.pending.total_bytes)})").classes(
                            "text-subtitle1 text-weight-medium")
                        left = self.pending.limit - len(files)
                        ui.label(f"{left} more can be added" if left else
                                 "No more can be added to this screening").classes(
                            "text-caption sl-muted").mark("room")
                    ui.button("Remove all", icon="delete_sweep", on_click=self.remove_all).props(
                        "flat no-caps color=negative")
                # Every file can be removed, a page of them at a time.
                pages = max(1, -(-len(files) // FILES_PER_PAGE))
                self.files_page = min(self.files_page, pages)
                first = (self.files_page - 1) * FILES_PER_PAGE
                with ui.list().props("dense separator bordered").classes("w-full rounded-borders"):
                    for i, file in enumerate(files[first:first + FILES_PER_PAGE], start=first):
                        with ui.item():
                            with ui.item_section().props("avatar"):
                                ui.icon("description")
                            with ui.item_section():
                                ui.item_label(file.name).classes("sl-wrap")
                                ui.item_label(words.size_text(file.size)).props("caption")
                            with ui.item_section().props("side"):
                                remove = ui.button(
                                    icon="close", on_click=lambda _, i=i: self.remove(i)).props(
                                    "flat round dense").mark("remove-file")
                                remove.props["aria-label"] = f"Remove {file.name}"
                if pages > 1:
                    ui.pagination(1, pages, direction_links=True, value=self.files_page,
                                  on_change=lambda e: self.files_go(e.value)).classes(
                        "self-center").mark("file-pages")
        self.rejected_box.clear()
        if rejected:
            with self.rejected_box:
                ui.label(f"{words.plural(len(rejected), 'file')} not added").classes(
                    "text-subtitle1 text-weight-medium text-negative")
                with ui.list().props("dense separator bordered").classes(
                        "w-full rounded-borders"):
                    for item in rejected[:SHOWN_REJECTED]:
                        with ui.item():
                            with ui.item_section().props("avatar"):
                                ui.icon("block", color="negative")
                            with ui.item_section():
                                ui.item_label(item.name).classes("sl-wrap text-weight-medium")
                                ui.item_label(item.reason).props("caption").classes("sl-wrap")
                if len(rejected) > SHOWN_REJECTED:
                    ui.label(f"and {len(rejected) - SHOWN_REJECTED} more").classes("sl-muted")

    def files_go(self, page: object) -> None:
        if isinstance(page, int) and page != self.files_page:
            self.files_page = page
            self.show_files()

    def title_changed(self) -> None:
        # A "give it a title" message goes once there is one.
        problem = getattr(self, "problem", None)  # a prefilled title comes before it
        if problem is not None and (self.title.value or "").strip() \
                and problem.text == TITLE_MISSING:
            problem.set_visibility(False)

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.pending.files):
            self.pending.remove(index)
        self.show_files()

    def remove_all(self) -> None:
        self.pending.clear()
        self.show_files()

    # --- Submit --------------------------------------------------------------------------

    def opening(self) -> dict:
        years = self.years.value
        return {
            "title": self.title.value or "",
            "description": self.description.value or "",
            "must_have": list(self.must.value or []),
            "nice_to_have": list(self.nice.value or []),
            "min_years": None if years in (None, "") else years,
        }

    def has_resumes(self) -> bool:
        return bool(self.pending.files)

    async def start(self, user) -> Batch | None:
        items = [NewItem(f.name, f.read()) for f in self.pending.files]
        return await run.io_bound(
            batches.submit, user, kind="resume", items=items, title=self.title.value or "",
            params=self.opening(), idempotency_key=self.idempotency_key)

    def say(self, message: str) -> None:
        self.problem.text = message
        self.problem.set_visibility(True)

    async def submit(self) -> None:
        self.problem.set_visibility(False)
        user = auth.current_user()  # re-checked for every action
        if user is None:
            ui.navigate.to(auth.signin_url("/new"))
            return
        if not (self.title.value or "").strip():
            self.say(TITLE_MISSING)
            return
        if not self.has_resumes():
            self.say("Add at least one resume: drop the files in the box above.")
            return
        self.submit_button.disable()
        self.submit_button.props("loading")
        try:
            batch = await self.start(user)
        except ShortlistError as exc:
            self.say(exc.message)
            return
        except Exception:  # noqa: BLE001
            log.exception("submitting a screening failed")
            self.say("The screening could not be started because of a problem on our side."
                     " Please try again in a moment.")
            return
        finally:
            self.submit_button.enable()
            self.submit_button.props(remove="loading")
        if batch is None:  # the server is shutting down
            return
        self.pending.close()
        ui.navigate.to(f"/screenings/{batch.id}")
