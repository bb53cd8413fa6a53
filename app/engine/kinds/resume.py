"""The `resume` kind: screen one resume against the batch's opening (app.analysis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

# Imported by name, not as `analysis.x`: a worker's boot (load_builtin) loads the readers.
from app.analysis import (
    Analysis,
    Opening,
    Profile,
    ReportRow,
    analyze_profile,
    build_profile,
    build_report_csv,
    build_report_xlsx,
    identity,
    reading_version,
)
from app.analysis.errors import DocumentError, ReadingLimit
from app.engine import pool, readers
from app.engine.kinds import FinishedItem, ItemResult, ItemWork, Kind, ReportFile, register
from app.models import utcnow

# A kept profile younger than this is reused as it is. An older one is read again from the
# kept text (years of experience grow with the calendar), still without opening the file.
PROFILE_FRESH_FOR = timedelta(days=7)


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """The opening: title, description, skills (suggested from the description if none)."""
    return Opening.from_dict(params).to_dict()


def handle(work: ItemWork) -> ItemResult:
    opening = Opening.from_dict(work.params)
    version = reading_version()
    kept = work.load_reading(version)  # a cancelled batch's item stops here (Cancelled)
    if kept is not None:  # screened before (a re-screen): only the scoring runs
        return _from_kept(work, opening, version, *kept)
    data = work.load_document()
    try:
        reading = readers.analyze(data, work.name, opening)  # in a reader process
    except ReadingLimit:
        raise  # a matter of limits and load, not of the file: read it again next time
    except DocumentError as exc:
        # The same bytes fail the same way: a re-screen fails it at once, with this reason.
        work.save_reading(version, {"error": exc.message})
        raise
    analysis = reading.analysis
    work.save_reading(version, {
        "text": reading.text, "type": analysis.type, "read_by": analysis.read_by,
        "profile": analysis.profile.to_dict(), "identity": reading.identity})
    return _result(analysis, reading.identity)


def _from_kept(work: ItemWork, opening: Opening, version: str, kept: dict[str, Any],
               read_at: datetime) -> ItemResult:
    if "error" in kept:
        raise DocumentError(kept["error"])
    text = kept["text"]
    if utcnow() - read_at < PROFILE_FRESH_FOR:
        profile = Profile.from_dict(kept["profile"])
    else:
        profile = build_profile(text)
        work.save_reading(version, {**kept, "profile": profile.to_dict()})
    analysis = analyze_profile(text, profile, work.name, opening, kind=kept["type"])
    return _result(replace(analysis, read_by=kept["read_by"]), kept["identity"])


def _result(analysis: Analysis, fingerprint: dict[str, Any]) -> ItemResult:
    result = analysis.to_dict()
    # Who this resume belongs to: one person's files are one row of the shortlist.
    result["identity"] = fingerprint
    return ItemResult(result=result, score=float(analysis.match.score))


def people(items: list[FinishedItem]) -> list[FinishedItem]:
    """The items that are not another file of a person already listed: one per person
    (app.analysis.identity; the kept file is the best scored, as on the shortlist)."""
    entries = [identity.Entry(i.seq, i.score, i.seq, fp) for i in items
               if i.status == "done" and (fp := identity.from_result(i.result)) is not None]
    duplicates = identity.group(entries).duplicate_of
    return [i for i in items if i.seq not in duplicates]


def build_reports(params: dict[str, Any], items: list[FinishedItem]) -> list[ReportFile]:
    rows = [ReportRow.from_item(i.name, i.result, i.error, i.team) for i in people(items)
            if i.status != "cancelled"]
    return [
        ReportFile("shortlist.csv", "text/csv; charset=utf-8", build_report_csv(rows)),
        ReportFile("shortlist.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   build_report_xlsx(rows)),
    ]


register(Kind(name="resume", handle=handle, validate_params=validate_params,
              needs_documents=True, build_reports=build_reports,
              after_finalize=pool.link_batch))
