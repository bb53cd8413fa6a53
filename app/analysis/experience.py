"""Total years of work experience, from date ranges and from what the resume states.

Date ranges ("May 2019 – Aug. 2020", "01/2022 - Present", "2015 - 2018", "Sept 2018 to
current") are turned into month intervals and merged, so two jobs held at the same time
count once. Months are inclusive, as people read them: "May 2019 – Aug 2020" is 16 months.
A year without a month starts in January and, as an end, means "until that year began"
("2015 - 2018" is three years), except a range within one year, which counts as a year.
Explicit statements ("7+ years of experience") are also read; the larger figure wins,
since dated history on a resume is often cut short while the summary states the total.
"""

from __future__ import annotations

import re
from datetime import date

from .sections import Section

MAX_YEARS = 50.0
# Sections whose dates are not employment.
_NOT_EMPLOYMENT = frozenset(
    {"education", "certifications", "training", "publications", "awards", "references", "interests"}
)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_YEAR = r"(?:19[5-9]\d|20\d\d)"
_DATE = rf"(?:{MONTH}\.?,?\s*'?{_YEAR}|(?:0?[1-9]|1[0-2])\s*[/.]\s*{_YEAR}|{_YEAR})"
_PRESENT = r"(?:present|current(?:ly)?|now|today|ongoing|date)"
RANGE = re.compile(
    rf"(?<![\w/.])(?P<start>{_DATE})\s*(?:-|–|—|−|to|until|till|through|thru)\s*"
    rf"(?P<end>{_DATE}|{_PRESENT})(?![\w/])",
    re.IGNORECASE,
)
_STATED = re.compile(
    r"(?<![\w.])(?P<n>\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\.?\s+(?:of\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:experience|exp)\b"
    r"|\bexperience\s+of\s+(?:over\s+|more\s+than\s+)?(?P<m>\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_MONTH_NAME = re.compile(MONTH, re.IGNORECASE)
_NUMERIC_MONTH = re.compile(r"^(\d{1,2})\s*[/.]")
_YEAR_ONLY = re.compile(_YEAR)


def years_of_experience(
    lines: list[str], spans: list[Section], *, today: date
) -> float | None:
    """Total years (one decimal), or None when the resume gives no basis for a figure."""
    employment_text = "\n".join(_employment_lines(lines, spans))
    dated = _dated_years(employment_text, today)
    stated = _stated_years("\n".join(lines))
    figures = [f for f in (dated, stated) if f is not None]
    if not figures:
        return None
    return round(min(max(figures), MAX_YEARS), 1)


def _employment_lines(lines: list[str], spans: list[Section]) -> list[str]:
    experience = [s for s in spans if s.name == "experience"]
    if experience:
        return [line for s in experience for line in lines[s.start_line : s.end_line]]
    return [line for i, line in enumerate(lines) if is_employment_line_index(i, spans)]


def is_employment_line_index(index: int, spans: list[Section]) -> bool:
    """Whether line `index` may hold a job: inside an experience section when the resume
    has one, otherwise outside the sections whose dates are not employment."""
    experience = [s for s in spans if s.name == "experience"]
    if experience:
        return any(s.start_line <= index < s.end_line for s in experience)
    return not any(s.start_line <= index < s.end_line for s in spans if s.name in _NOT_EMPLOYMENT)


def _dated_years(text: str, today: date) -> float | None:
    now = today.year * 12 + today.month  # exclusive end of the current month
    intervals: list[tuple[int, int]] = []
    for m in RANGE.finditer(text):
        span = interval(m.group("start"), m.group("end"), now)
        if span:
            intervals.append(span)
    if not intervals:
        return None
    return _merged_months(intervals) / 12


def interval(start_text: str, end_text: str, now: int) -> tuple[int, int] | None:
    start = _month_index(start_text)
    if start is None:
        return None
    if re.fullmatch(_PRESENT, end_text.strip(), re.IGNORECASE):
        end = now
    else:
        parsed = _month_index(end_text)
        if parsed is None:
            return None
        end_month, has_month = parsed
        # An end month counts in full; a bare end year means "until that year began",
        # unless the range stays within one year.
        end = end_month + 1 if has_month else end_month
        if not has_month and end <= start[0]:
            end = start[0] + 12
    begin = start[0]
    end = min(end, now)
    return (begin, end) if end > begin else None


def _month_index(text: str) -> tuple[int, bool] | None:
    """(year * 12 + month - 1, whether a month was given) for a date as written."""
    year_match = _YEAR_ONLY.search(text)
    if year_match is None:
        return None
    year = int(year_match.group())
    named = _MONTH_NAME.match(text.strip())
    if named:
        return year * 12 + _MONTHS[named.group()[:3].lower()] - 1, True
    numeric = _NUMERIC_MONTH.match(text.strip())
    if numeric:
        return year * 12 + int(numeric.group(1)) - 1, True
    return year * 12, False


def _merged_months(intervals: list[tuple[int, int]]) -> int:
    total = 0
    current_start, current_end = None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    total += current_end - current_start
    return total


def _stated_years(text: str) -> float | None:
    values = [float(m.group("n") or m.group("m")) for m in _STATED.finditer(text)]
    values = [v for v in values if 0 < v <= MAX_YEARS]
    return max(values) if values else None
