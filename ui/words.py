"""What the recruiter reads: states, progress and time left in plain words."""

from __future__ import annotations

from datetime import datetime, timezone

STATUS_WORDS = {
    "queued": "Waiting to start",
    "running": "Screening",
    "cancelling": "Stopping",
    "done": "Finished",
    "failed": "Finished: no resume could be read",
    "cancelled": "Cancelled",
    "timed_out": "Stopped: it took too long",
}
# Quasar colours that read well on light and dark backgrounds.
STATUS_COLORS = {
    "queued": "grey-7",
    "running": "primary",
    "cancelling": "orange-8",
    "done": "positive",
    "failed": "negative",
    "cancelled": "grey-7",
    "timed_out": "negative",
}
# The hiring team's status of a candidate (its words: app.recruiting.decisions).
CANDIDATE_STATUS_COLORS = {"new": "grey-7", "shortlisted": "positive", "interview": "primary",
                           "on_hold": "orange-8", "rejected": "negative"}
BAND_WORDS = {"strong": "Strong", "good": "Good", "partial": "Partial", "weak": "Weak"}
BAND_COLORS = {"strong": "positive", "good": "teal-7", "partial": "orange-8", "weak": "grey-7"}
EDUCATION_WORDS = {
    "none": "Not found",
    "high_school": "High school",
    "associate": "Associate degree",
    "bachelor": "Bachelor's degree",
    "master": "Master's degree",
    "doctorate": "Doctorate",
}


def status_text(status: str, total: int = 0, done: int = 0, failed: int = 0,
                cancelled: int = 0) -> str:
    """'Screening', 'Finished'; a cancelled screening that screened some files says how
    far it got: 'Cancelled — 52 of 400 screened, 348 not screened' (given the counts)."""
    word = STATUS_WORDS.get(status, status.replace("_", " ").capitalize())
    if status == "cancelled" and done + failed and cancelled:
        return f"{word} — {screened_text(total, done, failed, cancelled, 'screened')}"
    return word


def screened_text(total: int, done: int, failed: int, cancelled: int, verb: str = "") -> str:
    """'52 of 400', or with files a cancellation left: '52 of 400, 348 not screened'
    ('52 of 400 screened, 348 not screened' with verb='screened')."""
    text = f"{done + failed:,} of {total:,}" + (f" {verb}" if verb else "")
    return text + (f", {cancelled:,} not screened" if cancelled else "")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def progress_text(total: int, done: int, failed: int, cancelled: int) -> str:
    """'128 of 300 resumes screened, 2 could not be read'."""
    screened = done + failed
    text = f"{screened} of {plural(total, 'resume')} screened"
    if failed:
        text += f", {failed} could not be read"
    if cancelled:
        text += f", {cancelled} not screened"
    return text


def time_left_text(status: str, total: int, finished: int, elapsed_s: float | None,
                   processed_in_elapsed: int | None = None) -> str:
    """'About 3 minutes left', from the rate since the screening started; '' if unknown."""
    if status != "running" or elapsed_s is None or elapsed_s <= 0:
        return ""
    processed = finished if processed_in_elapsed is None else processed_in_elapsed
    remaining = total - finished
    if processed <= 0 or remaining <= 0:
        return ""
    seconds = remaining * elapsed_s / processed
    return duration_left(seconds)


def duration_left(seconds: float) -> str:
    if seconds < 50:
        return "Less than a minute left"
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"About {plural(minutes, 'minute')} left"
    hours, minutes = divmod(minutes, 60)
    text = f"About {plural(hours, 'hour')}"
    if minutes and hours < 10:
        text += f" {plural(minutes, 'minute')}"
    return text + " left"


def in_about(seconds: float) -> str:
    """'in less than a minute', 'in about 5 minutes', 'in about 2 hours'."""
    if seconds < 50:
        return "in less than a minute"
    return "in " + duration_left(seconds).removesuffix(" left").replace("About", "about")


def waiting_text(reason: str | None, start: datetime | None, finish: datetime | None,
                 now: datetime | None = None) -> str:
    """Why a screening waits and, when known, when it should start and finish."""
    now = now or datetime.now(timezone.utc)
    text = reason or ""
    if start is not None and finish is not None:
        starts = in_about((start - now).total_seconds())
        ends = in_about((finish - now).total_seconds())
        text += (f" It should start and finish {ends}." if starts == ends else
                 f" It should start {starts} and finish {ends}.")
    return text.strip()


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'yesterday', '12 Mar 2025'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{plural(int(seconds // 60), 'minute')} ago"
    if seconds < 86400:
        return f"{plural(int(seconds // 3600), 'hour')} ago"
    if seconds < 2 * 86400:
        return "yesterday"
    return f"{moment.day} {moment:%b %Y}"


def date_text(moment: datetime | None) -> str:
    """'14 Dec 2026' (UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{moment.day} {moment:%b %Y}"


def years_text(years: float | None) -> str:
    if years is None:
        return "Not found"
    return f"{years:g} year" + ("" if years == 1 else "s")


def size_text(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:.0f} KB"
    return f"{n_bytes / (1024 * 1024):.1f} MB"


# --- New screening: suggestions from the description -------------------------------------

SUGGESTIONS_HINT = ("Skills named in the description. Click one to add it as a nice-to-have,"
                    " or its star to make it a must-have:")


def add_nice_label(skill: str) -> str:
    return f"Add {skill} as a nice-to-have"


def make_must_label(skill: str) -> str:
    return f"Make {skill} a must-have"


def years_asked_text(years: float) -> str:
    """'The description asks for 3+ years.'"""
    return f"The description asks for {years:g}+ years."


def use_years_text(years: float) -> str:
    return f"Use {years:g} as the minimum"


# --- A candidate's details -----------------------------------------------------------------

NAME_NOT_FOUND = "Name not found"


def points_text(points: float | None, weight: float | None) -> str:
    """A part's points out of its weight: 'Role 24 / 30' shows '24 / 30'."""
    return f"{round(points or 0.0)} / {round(100 * (weight or 0.0))}"


def evidence_text(skill: str, found: str | None) -> str:
    """'CI/CD: found Jenkins' when a narrower skill showed it; the skill alone otherwise."""
    return f"{skill}: found {found}" if found and found != skill else skill


def score_note(parts: list[dict], score: int, missing_must: bool) -> str:
    """Why the parts' points do not add up to the score, when they do not; '' when they do.

    The score counts the parts out of 100 (out of what they weigh when a part is left out)
    and missing must-haves take a share off.
    """
    out_of = round(sum(100 * float(p.get("weight") or 0.0) for p in parts))
    got = sum(float(p.get("points") or 0.0) for p in parts)
    if not out_of:
        return ""
    notes = []
    if out_of < 100:
        notes.append(f"The parts count out of {out_of} here, scaled to 100.")
    off = round(100 * got / out_of) - score
    if missing_must and off >= 1:
        notes.append(f"Missing must-have skills take {plural(off, 'point')} off.")
    return " ".join(notes)


def summary_text(bands: dict[str, int], total: int) -> str:
    """A screening in one line: '3 strong, 5 good of 40'; '' before any is screened."""
    if not bands:
        return ""
    best = [f"{bands[b]} {b}" for b in ("strong", "good") if bands.get(b)]
    if not best:
        return f"No strong or good fit yet of {total}"
    return f"{', '.join(best)} of {total}"
