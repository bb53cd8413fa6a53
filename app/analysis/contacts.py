"""How to reach the candidate: emails, phones and links (the name is in `names`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
