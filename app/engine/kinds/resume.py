"""The `resume` kind: screen one resume against the batch's opening (app.analysis)."""

from __future__ import annotations

from typing import Any

# Imported by name, not as `analysis.x`: a worker's boot (load_builtin) loads the readers.
from app.analysis import Opening, ReportRow, build_report_csv, build_report_xlsx, identity
from app.engine import readers
from app.engine.kinds import FinishedItem, ItemResult, ItemWork, Kind, ReportFile, register


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """The opening: title, description, skills (suggested from the description if none)."""
    return Opening.from_dict(params).to_dict()


def handle(work: ItemWork) -> ItemResult:
    opening = Opening.from_dict(work.params)
    data = work.load_document()  # a cancelled batch's item stops here (Cancelled)
    reading = readers.analyze(data, work.name, opening)  # in a reader process
    result = reading.analysis.to_dict()
    # Who this resume belongs to: one person's files are one row of the shortlist.
    result["identity"] = reading.identity
    return ItemResult(result=result, score=float(reading.analysis.match.score))


def people(items: list[FinishedItem]) -> list[FinishedItem]:
    """The items that are not another file of a person already listed: one per person
    (app.analysis.identity; the kept file is the best scored, as on the shortlist)."""
    entries = [identity.Entry(i.seq, i.score, i.seq, fp) for i in items
               if i.status == "done" and (fp := identity.from_result(i.result)) is not None]
    duplicates = identity.group(entries).duplicate_of
    return [i for i in items if i.seq not in duplicates]


def build_reports(params: dict[str, Any], items: list[FinishedItem]) -> list[ReportFile]:
    rows = [ReportRow.from_item(i.name, i.result, i.error) for i in people(items)
            if i.status != "cancelled"]
    return [
        ReportFile("shortlist.csv", "text/csv; charset=utf-8", build_report_csv(rows)),
        ReportFile("shortlist.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   build_report_xlsx(rows)),
    ]


register(Kind(name="resume", handle=handle, validate_params=validate_params,
              needs_documents=True, build_reports=build_reports))
