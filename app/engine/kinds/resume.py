"""The `resume` kind: screen one resume against the batch's opening (app.analysis)."""

from __future__ import annotations

from typing import Any

# Imported by name, not as `analysis.x`: a worker's boot (load_builtin) loads the readers.
from app.analysis import Opening, ReportRow, analyze, build_report_csv, build_report_xlsx
from app.engine.kinds import FinishedItem, ItemResult, ItemWork, Kind, ReportFile, register
from app.settings import get_settings


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """The opening: title, description, skills (suggested from the description if none)."""
    return Opening.from_dict(params).to_dict()


def handle(work: ItemWork) -> ItemResult:
    opening = Opening.from_dict(work.params)
    data = work.load_document()
    work.checkpoint()
    result = analyze(data, work.name, opening,
                              time_limit_s=get_settings().extract_time_limit_s)
    return ItemResult(result=result.to_dict(), score=float(result.match.score))


def build_reports(params: dict[str, Any], items: list[FinishedItem]) -> list[ReportFile]:
    rows = [ReportRow.from_item(i.name, i.result, i.error) for i in items
            if i.status != "cancelled"]
    return [
        ReportFile("shortlist.csv", "text/csv; charset=utf-8", build_report_csv(rows)),
        ReportFile("shortlist.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   build_report_xlsx(rows)),
    ]


register(Kind(name="resume", handle=handle, validate_params=validate_params,
              needs_documents=True, build_reports=build_reports))
