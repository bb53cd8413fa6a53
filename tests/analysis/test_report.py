"""The ranked report as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from app.analysis import Opening, ReportRow, build_report_csv, build_report_xlsx
from app.analysis.pipeline import analyze_text
from app.analysis.report import COLUMNS

from . import factories
from .conftest import TODAY

HEADER = ["rank", "name", "file", "score", "band", "matched", "missing", "years", "email",
          "phone", "error", "why", "status", "starred", "tags", "notes"]
MARIA_WHY = ("Role: Has been Registered Nurse (or similar) for 7.5 years."
             " Skills: Has 4 of 4 must-haves. 1 of 1 nice-to-haves."
             " Relevant experience: 7.5 years in similar roles, 7.5 years in all (meets the 3"
             " asked). Wording: Uses most of the opening's key terms (icu, bls, nurse).")
OPENING = Opening("ICU Registered Nurse", "Registered nurse for intensive care.",
                  ["Patient care", "IV therapy", "BLS", "ACLS"], ["Epic"], 3)


def _rows() -> list[ReportRow]:
    nurse = analyze_text(factories.NURSE, "maria.pdf", OPENING, today=TODAY)
    teacher = analyze_text(factories.TEACHER, "emily.docx", OPENING, today=TODAY)
    evil = analyze_text("=HYPERLINK(\"http://x\")\n@SUM(A1)\nSkills: Patient care", "evil.txt",
                        OPENING, today=TODAY)
    return [
        ReportRow("zz-broken.pdf", None, "This PDF is password-protected, so it cannot be read."),
        ReportRow("emily.docx", teacher.to_dict()),  # the stored JSON form is accepted too
        ReportRow("maria.pdf", nurse),
        ReportRow("=cmd|' /C calc'!A0.pdf", evil),
        ReportRow("aa-scan.pdf", None, "looks like a scanned image"),
    ]


def test_columns() -> None:
    assert list(COLUMNS) == HEADER


def test_csv_round_trips_with_rank_order_and_failures_last() -> None:
    data = build_report_csv(_rows())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == HEADER
    assert [r[0] for r in table[1:]] == ["1", "2", "3", "", ""]
    assert [r[2] for r in table[1:]] == ["maria.pdf", "'=cmd|' /C calc'!A0.pdf", "emily.docx",
                                         "aa-scan.pdf", "zz-broken.pdf"]
    maria = dict(zip(HEADER, table[1]))
    assert maria["name"] == "Maria Garcia"
    assert maria["band"] == "strong"
    assert maria["matched"] == "Patient care; IV therapy; BLS; ACLS; Epic"
    assert maria["missing"] == ""
    assert maria["years"] == "7.5"
    assert maria["email"] == "maria.garcia@example.com"
    assert maria["phone"] == "'+1 312 555 0142"  # a leading "+" is a formula to a spreadsheet
    assert maria["error"] == ""
    assert maria["why"] == MARIA_WHY  # the parts' reasons, one line, no raw figures
    emily = dict(zip(HEADER, table[3]))
    assert emily["missing"] == "Patient care; IV therapy; BLS; ACLS"
    assert int(maria["score"]) > int(emily["score"])
    broken = dict(zip(HEADER, table[5]))
    assert broken["error"] == "This PDF is password-protected, so it cannot be read."
    assert broken["score"] == "" and broken["name"] == "" and broken["why"] == ""
    assert emily["why"].startswith("Role: No job title like ICU Registered Nurse found. Skills:"
                                   " Has 0 of 4 must-haves; missing Patient care, IV therapy,")


def test_csv_neutralises_formula_injection() -> None:
    table = list(csv.reader(io.StringIO(build_report_csv(_rows()).decode("utf-8-sig"))))
    cells = [cell for row in table[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    evil = dict(zip(HEADER, table[2]))
    assert evil["file"] == "'=cmd|' /C calc'!A0.pdf"


def test_xlsx_has_the_same_rows_bold_frozen_header_and_text_not_formulas() -> None:
    rows = _rows()
    book = load_workbook(io.BytesIO(build_report_xlsx(rows)))
    sheet = book.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert [v[0] for v in values[1:]] == [1, 2, 3, None, None]
    assert [v[2] for v in values[1:]] == ["maria.pdf", "=cmd|' /C calc'!A0.pdf", "emily.docx",
                                          "aa-scan.pdf", "zz-broken.pdf"]
    assert values[1][7] == 7.5 and isinstance(values[1][3], int)
    assert values[1][11] == MARIA_WHY and values[4][11] is None
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=3, column=3).data_type == "s"  # stored as text, not a formula
    assert sheet.column_dimensions["C"].width >= len("=cmd|' /C calc'!A0.pdf")
    csv_rows = list(csv.reader(io.StringIO(build_report_csv(rows).decode("utf-8-sig"))))
    assert [str(v[2]) for v in values] == [r[2].removeprefix("'") for r in csv_rows]


def test_empty_report_has_only_the_header() -> None:
    assert build_report_csv([]).decode("utf-8-sig") == ",".join(HEADER) + "\r\n"
    book = load_workbook(io.BytesIO(build_report_xlsx([])))
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [HEADER]


def test_rows_from_stored_items() -> None:
    analysis = analyze_text(factories.NURSE, "maria.pdf", OPENING, today=TODAY)
    stored = json.loads(json.dumps(analysis.to_dict()))
    assert ReportRow.from_item("maria.pdf", stored, "old transient error") == ReportRow(
        "maria.pdf", stored, None)
    assert ReportRow.from_item("x.pdf", None, "damaged") == ReportRow("x.pdf", None, "damaged")
    assert ReportRow.from_item("y.pdf", {}, None) == ReportRow("y.pdf", None, None)
    table = list(csv.reader(io.StringIO(build_report_csv([
        ReportRow.from_item("y.pdf", None, None),
        ReportRow.from_item("maria.pdf", stored, "old transient error"),
    ]).decode("utf-8-sig"))))
    assert [(r[0], r[2], r[10]) for r in table[1:]] == [("1", "maria.pdf", ""),
                                                        ("", "y.pdf", "Not analysed.")]


def test_stored_json_analysis_is_accepted() -> None:
    analysis = analyze_text(factories.NURSE, "maria.pdf", OPENING, today=TODAY)
    stored = json.loads(json.dumps(analysis.to_dict()))
    assert build_report_csv([ReportRow("maria.pdf", stored)]) == build_report_csv(
        [ReportRow("maria.pdf", analysis)])


def test_why_of_a_result_stored_before_the_parts_is_its_explanation_without_figures() -> None:
    analysis = analyze_text(factories.NURSE, "maria.pdf", OPENING, today=TODAY)
    old = json.loads(json.dumps(analysis.to_dict()))
    old["match"].pop("parts")
    old["match"]["explanation"] = (
        "Strong match (score 91). Has all 4 must-have skills. Has 1 of 1 nice-to-have skills."
        " About 7.5 years of experience (meets the 3 asked). Wording close to the job"
        " description (similarity 0.42).")
    table = list(csv.reader(io.StringIO(build_report_csv(
        [ReportRow("maria.pdf", old)]).decode("utf-8-sig"))))
    assert dict(zip(HEADER, table[1]))["why"] == (
        "Has all 4 must-have skills. Has 1 of 1 nice-to-have skills. About 7.5 years of"
        " experience (meets the 3 asked). Wording close to the job description.")
