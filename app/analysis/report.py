"""The ranked shortlist of a batch, as CSV and XLSX bytes.

Input rows are `ReportRow`s: the file name, and either its analysis (an `Analysis`, or the
dict `Analysis.to_dict()` produced, as stored in the database) or the error that failed
it. Ranked rows come first, best score first; failed rows come last, unranked, with their
error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .match import PART_LABELS, Match
from .pipeline import Analysis

COLUMNS = ("rank", "name", "file", "score", "band", "matched", "missing", "years", "email",
           "phone", "error", "why", "status", "starred", "tags", "notes")
# The hiring team's columns (status, starred, tags, notes): empty until someone decides.
NO_TEAM = (None, None, None, None)
_LIST_SEPARATOR = "; "
# A spreadsheet treats a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_COLUMN_WIDTH = 60
_NOT_ANALYSED = "Not analysed."
# Results scored before the parts existed: "Wording close to the job description
# (similarity 0.42)." and a first sentence the score and band columns already say.
_RAW_SIMILARITY = re.compile(r"\s*\(similarity [0-9.]+\)")
_BAND_SENTENCE = re.compile(r"^\w+ match \(score \d+\)\.\s*")


@dataclass(frozen=True)
class ReportRow:
    file: str
    analysis: Analysis | dict[str, Any] | None = None
    error: str | None = None
    # The hiring team's status, starred ("yes" or None), tags and notes, as text.
    team: tuple[str | None, str | None, str | None, str | None] = NO_TEAM

    @classmethod
    def from_item(cls, file: str, result: dict[str, Any] | None, error: str | None,
                  team: tuple | None = None) -> ReportRow:
        """A row from a stored item: its result JSON (`Analysis.to_dict()`) or its error.

        A result wins over an error: an item that failed once and then succeeded keeps the
        old error alongside its result.
        """
        return cls(file, result or None, None if result else error, team or NO_TEAM)


def report_table(rows: Iterable[ReportRow]) -> list[list[Any]]:
    """The report's rows (without the header), ranked; values are str, int, float or None."""
    done: list[tuple[str, Analysis, tuple]] = []
    failed: list[tuple[str, str, tuple]] = []
    for row in rows:
        analysis = row.analysis
        if isinstance(analysis, dict):
            analysis = Analysis.from_dict(analysis)
        if analysis is None:
            failed.append((row.file, row.error or _NOT_ANALYSED, row.team))
        else:
            done.append((row.file, analysis, row.team))
    done.sort(key=lambda fa: (
        -fa[1].match.score,
        len(fa[1].match.must_have_missing),
        -(fa[1].profile.years or 0.0),
        fa[0].casefold(),
    ))
    failed.sort(key=lambda fe: fe[0].casefold())
    table = [_ranked_row(rank, file, a) + list(team)
             for rank, (file, a, team) in enumerate(done, start=1)]
    table += [[None, None, file, None, None, None, None, None, None, None, error, None, *team]
              for file, error, team in failed]
    return table


def build_report_csv(rows: Iterable[ReportRow]) -> bytes:
    """UTF-8 with a byte order mark, so Excel picks the right encoding when opening it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for values in report_table(rows):
        writer.writerow(["" if v is None else _defuse(v) if isinstance(v, str) else v
                         for v in values])
    return out.getvalue().encode("utf-8-sig")


def build_report_xlsx(rows: Iterable[ReportRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Shortlist"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in COLUMNS]
    for r, values in enumerate(report_table(rows), start=2):
        for c, value in enumerate(values, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                # Stored as text, never as a formula, whatever it starts with.
                cell.data_type = "s"
            widths[c - 1] = max(widths[c - 1], len(str(value)) if value is not None else 0)
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, _MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _ranked_row(rank: int, file: str, a: Analysis) -> list[Any]:
    m, p = a.match, a.profile
    return [
        rank,
        p.name,
        file,
        m.score,
        m.band,
        _LIST_SEPARATOR.join((*m.must_have_matched, *m.nice_to_have_matched)),
        _LIST_SEPARATOR.join(m.must_have_missing),
        p.years,
        p.emails[0] if p.emails else None,
        p.phones[0] if p.phones else None,
        None,
        why_text(m) or None,
    ]


def why_text(match: Match) -> str:
    """Why a resume scored as it did, on one line: each part's reason, labelled.

    "Role: Has been Registered Nurse (or similar) for 7 years. Skills: Has 4 of 4
    must-haves. ..." A result stored before the score had parts gives its explanation,
    without the raw similarity figure and the score sentence.
    """
    if match.parts:
        text = " ".join(f"{PART_LABELS.get(p.name, p.name.capitalize())}: {p.reason}"
                        for p in match.parts)
    else:
        text = _BAND_SENTENCE.sub("", _RAW_SIMILARITY.sub("", match.explanation))
    return " ".join(text.split())


def _defuse(value: str) -> str:
    """Neutralise CSV/formula injection: a leading quote makes the cell plain text."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
