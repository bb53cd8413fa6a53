"""Who the candidate is and how to reach them: name, emails, phones and links."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sections import heading_name

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)

# Phone candidates: digits with the separators people use, on one line. Validated below,
# because the same characters also make dates, years and postcodes.
_PHONE = re.compile(r"(?<![\w+#/.,])(?:\+\s?)?\(?\d[\d(). \t-]{5,24}\d(?![\w/]|[.,]\d)")
_PHONE_SHAPE = re.compile(r"^(?:\+\s?)?(?:\(\d{1,5}\)|\d{1,5})(?:(?:[ .-]|\) ?)?\(?\d{1,5}\)?)+$")
_ZIP_PLUS_FOUR = re.compile(r"^\d{5}-\d{4}$")
_MIN_DIGITS, _MIN_DIGITS_NATIONAL, _MAX_DIGITS = 7, 9, 15

_URL = re.compile(
    r"(?i)(?<![\w@/.-])(?:https?://|www\.|(?:[a-z]{2,3}\.)?linkedin\.com/|github\.com/)"
    r"[^\s<>()\"'\[\]{},;|]+"
)
_URL_TRAILING = ".,:;!?'\")"

_NAME_PARTICLES = frozenset(
    "van von de da del della der den di du la le bin binti al el ten ter dos das y".split()
)
# Words that show a line is a job title or a label rather than a name.
_NOT_NAME_WORDS = frozenset(
    """resume résumé curriculum vitae cv profile summary objective contact contacts
    engineer developer manager nurse accountant teacher electrician representative agent
    associate specialist analyst assistant consultant director officer technician driver
    worker operator designer administrator coordinator supervisor executive clerk
    architect scientist lead senior junior intern student graduate professional street
    road avenue suite apt page email phone mobile address linkedin github portfolio""".split()
)
_NAME_WORD = re.compile(r"^(?:[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*\.?|[^\W\d_]\.)$")
_NAME_SPLIT = re.compile(r"\s*(?:[|•·,;–—]|\s-\s|\t|\s{3,})\s*")
_NAME_LABEL = re.compile(r"^\s*(?:full\s+)?name\s*:\s*(.+)$", re.IGNORECASE)
_NAME_SCAN_LINES = 12
_NAME_LINE_MAX_CHARS = 200


@dataclass(frozen=True)
class Link:
    kind: str  # "linkedin", "github" or "website"
    url: str


def find_emails(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group().lower() for m in _EMAIL.finditer(text)))


def find_phones(text: str) -> tuple[str, ...]:
    phones: dict[str, str] = {}
    for m in _PHONE.finditer(text):
        candidate = " ".join(m.group().split())
        digits = re.sub(r"\D", "", candidate)
        if _is_phone(candidate, digits):
            phones.setdefault(digits, candidate)
    return tuple(phones.values())


def _is_phone(candidate: str, digits: str) -> bool:
    international = candidate.startswith("+")
    if not (_MIN_DIGITS if international else _MIN_DIGITS_NATIONAL) <= len(digits) <= _MAX_DIGITS:
        return False
    if candidate.count("(") != candidate.count(")") or not _PHONE_SHAPE.match(candidate):
        return False  # also refuses " - " between groups, as in "2015 - 2018"
    if _ZIP_PLUS_FOUR.match(candidate):
        return False
    groups = re.findall(r"\d+", candidate)
    return not all(len(g) == 4 and 1900 <= int(g) <= 2100 for g in groups)


def find_links(text: str) -> tuple[Link, ...]:
    links: dict[str, Link] = {}
    for m in _URL.finditer(text):
        url = m.group().rstrip(_URL_TRAILING)
        if not re.match(r"(?i)https?://", url):
            url = "https://" + url
        host = re.sub(r"(?i)^https?://", "", url).split("/", 1)[0].lower()
        if "." not in host.strip("."):
            continue
        if "linkedin.com" in host:
            kind = "linkedin"
        else:
            kind = "github" if host.endswith("github.com") else "website"
        links.setdefault(url.rstrip("/").lower(), Link(kind, url))
    return tuple(links.values())


def guess_name(lines: list[str]) -> str | None:
    """Best effort: the first short line near the top made of name-like words."""
    scanned = 0
    for line in lines:
        if not line.strip():
            continue
        scanned += 1
        if scanned > _NAME_SCAN_LINES:
            break
        if len(line) > _NAME_LINE_MAX_CHARS:
            continue
        labelled = _NAME_LABEL.match(line)
        if labelled:
            line = labelled.group(1)
        elif heading_name(line):
            continue
        candidate = _NAME_SPLIT.split(line.strip(), maxsplit=1)[0].strip()
        name = _as_name(candidate)
        if name:
            return name
    return None


def _as_name(candidate: str) -> str | None:
    words = candidate.split()
    if not 2 <= len(words) <= 4 or len(candidate) > 48:
        return None
    if any(ch in candidate for ch in "@/:") or any(c.isdigit() for c in candidate):
        return None
    if any(w.casefold().strip(".") in _NOT_NAME_WORDS for w in words):
        return None
    capitalised = 0
    for word in words:
        if word.casefold() in _NAME_PARTICLES:
            continue
        if not _NAME_WORD.match(word) or not word[0].isupper():
            return None
        capitalised += 1
    if capitalised < 2:
        return None
    if candidate.isupper():
        return " ".join(_title_case(w) for w in words)
    return " ".join(words)


def _title_case(word: str) -> str:
    if word.casefold() in _NAME_PARTICLES:
        return word.lower()
    # "O'BRIEN" -> "O'Brien", "SMITH-JONES" -> "Smith-Jones"
    return re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), word)
