"""The roles a person has held, and how close a job title is to the opening's title.

Roles come from two places: the headline (the short lines at the top of a resume, where
people put their current title) and the job entries of the experience section (the short
lines around each date range, where the title and employer sit). Each dated entry keeps
its months, so the years spent in roles like the opening can be counted, not only the
total.

Titles are compared as sets of terms:
- Known variants of one role (data/roles.json: "attorney", "lawyer", "advocate", "counsel")
  become one family term, so "Auto Mechanic" fits an "Automotive Technician" opening.
- Other words are reduced to a rough root ("accountant", "accounting" -> "account";
  "banker", "banking" -> "bank") and weighted by informativeness; words that only
  qualify a title (senior, staff, manager, specialist, ...) weigh QUALIFIER_WEIGHT.
A title fits fully when it names the opening's role family, otherwise by the weighted
share of the opening title's terms it contains.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from .experience import MONTH, RANGE, interval, is_employment_line_index
from .sections import Section, heading_name
from .similarity import informativeness
from .text import normalise, tokenize

DATA_FILE = Path(__file__).with_name("data") / "roles.json"
QUALIFIER_WEIGHT = 0.25  # "senior", "manager", "specialist": says little about the role
PLAIN_WORD_WEIGHT = 1.0  # floor for a title word the frequency list finds common
HEADLINE_LINES = 3  # non-empty lines at the top that may carry the current title
TITLE_MAX_WORDS = 10  # longer lines are sentences, not titles
ENTRY_CONTEXT_LINES = 3  # lines either side of a date range searched for the title
_SUFFIXES = ("ations", "ation", "ments", "ment", "ants", "ant", "ists", "ist", "ers", "er",
             "ors", "or", "ings", "ing", "ians", "ian", "ics", "ic")
_BULLETS = tuple("-–—•▪◦●■►*·>")
_PLACEHOLDERS = frozenset({"company name", "city", "state", "city, state", "company", "name"})


@dataclass(frozen=True)
class Role:
    """A title line from the resume, with the months of its job entry (year * 12 + month
    - 1, end exclusive); both None for the undated headline."""

    title: str
    start: int | None = None
    end: int | None = None

    @property
    def months(self) -> int:
        return 0 if self.start is None or self.end is None else self.end - self.start

    def to_dict(self) -> dict:
        return {"title": self.title, "start": _month_text(self.start), "end": _month_text(self.end)}

    @classmethod
    def from_dict(cls, data: dict) -> Role:
        return cls(str(data.get("title", "")), _month_index(data.get("start")),
                   _month_index(data.get("end")))


def _month_text(index: int | None) -> str | None:
    return None if index is None else f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_index(text: str | None) -> int | None:
    if not text:
        return None
    year, month = str(text).split("-")
    return int(year) * 12 + int(month) - 1


def root(word: str) -> str:
    """A rough root for title words: "accountant", "accounting" -> "account*".

    A root with a suffix taken off is marked "*", so a word derived from another ("account"
    -> "accountant") never meets the bare word: an Account Executive is no Accountant.
    Plurals are not derivations: "accountants" is "accountant".
    """
    word = word.casefold()
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    derived = False
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word, derived = word[: -len(suffix)], True
                break
        else:
            break
    return word + "*" if derived else word


@cache
def _data() -> tuple[dict[tuple[str, ...], int], frozenset[str], int]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], int] = {}
    for index, family in enumerate(raw["families"]):
        for phrase in family:
            phrases.setdefault(_words(phrase), index)
    longest = max(len(p) for p in phrases)
    return phrases, frozenset(root(w) for w in raw["qualifiers"]), longest


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in tokenize(normalise(text)).lower if w[0].isalnum() or w == "&")


@lru_cache(maxsize=8192)
def title_terms(title: str) -> tuple[frozenset[int], dict[str, float]]:
    """(role families named, weighted root terms) of a job title. Cached (titles repeat
    within a resume and across a batch): callers must not change the dict."""
    phrases, qualifiers, longest = _data()
    words = _words(title)
    families: set[int] = set()
    i = 0
    while i < len(words):  # longest known title first, then past it
        for n in range(min(longest, len(words) - i), 0, -1):
            family = phrases.get(words[i : i + n])
            if family is not None:
                families.add(family)
                i += n
                break
        else:
            i += 1
    terms: dict[str, float] = {}
    for word in words:
        if not word[0].isalpha() or len(word) < 2:
            continue
        base = root(word)
        if base in qualifiers or word in qualifiers:
            weight = QUALIFIER_WEIGHT
        else:
            weight = informativeness(word)
            if weight == 0:
                continue
            weight = max(weight, PLAIN_WORD_WEIGHT)
        terms[base] = max(terms.get(base, 0.0), weight)
    return frozenset(families), terms


def title_fit(wanted: tuple[frozenset[int], dict[str, float]], title: str) -> float:
    """0..1: how well `title` names the role described by `wanted` (see `title_terms`)."""
    families, terms = wanted
    got_families, got_terms = title_terms(title)
    if families & got_families:
        return 1.0
    total = sum(terms.values())
    if not total:
        return 0.0
    return sum(w for t, w in terms.items() if t in got_terms) / total


_SEPARATORS = re.compile(r"\s+(?:[-–—|·•@]|at)\s+|\s*[,|]\s*", re.IGNORECASE)


def fitting_part(wanted: tuple[frozenset[int], dict[str, float]], title: str) -> str:
    """The part of a job entry's line that names the role ("Acme - DevOps Engineer" ->
    "DevOps Engineer"): entries often put the employer or the place beside the title."""
    parts = [p.strip() for p in _SEPARATORS.split(title) if p and p.strip()]
    if len(parts) < 2:
        return title
    best = max(parts, key=lambda part: title_fit(wanted, part))
    return best if title_fit(wanted, best) >= title_fit(wanted, title) else title


def _title_like(line: str) -> str | None:
    if line.lstrip().startswith(_BULLETS):  # a duty under a job, not its title
        return None
    text = " ".join(line.split()).strip(" ,;:-–—|•·")
    if not text or len(text.split()) > TITLE_MAX_WORDS or "@" in text:
        return None
    if text.casefold() in _PLACEHOLDERS or not text[0].isalpha() or text[0].islower():
        return None
    if text.endswith(".") and len(text.split()) > 3:  # a sentence
        return None
    if heading_name(text) is not None or not _WORD.search(_NOT_TITLE.sub(" ", text)):
        return None
    return text


def find_roles(lines: list[str], spans: list[Section], *, today: date) -> tuple[Role, ...]:
    """The headline's title lines, then each dated job entry's title lines."""
    roles: list[Role] = []
    seen = 0
    first_heading = spans[0].start_line if spans else len(lines)
    for line in lines[:first_heading]:
        if seen >= HEADLINE_LINES:
            break
        if line.strip():
            seen += 1
            title = _title_like(line)
            if title:
                roles.append(Role(title))
    now = today.year * 12 + today.month
    k = 0
    while k < len(lines):
        line = lines[k]
        window = "\n".join(lines[k : k + 5])  # a range may be broken over lines
        m = RANGE.search(window) if _HAS_YEAR.search(line) else None
        if m is None or m.start() >= len(line) or not is_employment_line_index(k, spans):
            k += 1
            continue
        span = interval(m.group("start"), m.group("end"), now)
        last = k + window[: m.end()].count("\n")  # the line where the range ends
        if span is not None:
            before = range(max(0, k - ENTRY_CONTEXT_LINES), k)
            after = range(last + 1, min(len(lines), last + 1 + ENTRY_CONTEXT_LINES))
            for j in (*before, k, *after):
                if not is_employment_line_index(j, spans):
                    continue
                text = RANGE.sub(" ", lines[j]) if j == k else lines[j]
                title = _title_like(text)
                if title:
                    roles.append(Role(title, span[0], span[1]))
        k = last + 1
    return tuple(roles)


_HAS_YEAR = re.compile(r"(?:19|20)\d\d")
_NOT_TITLE = re.compile(MONTH + r"|\b(?:to|present|current|now|date)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,}")
