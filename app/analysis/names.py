"""The person's name from the top of a resume, or None when unsure.

A wrong name is worse than none: the UI shows the file name and "name not found" for None,
while a wrong name (an employer, a degree, a heading, a job title) misleads. So a line is
taken as the name only when its form fits and its words speak for it:

- Where: a "Name: ..." label; else the short lines at the top, before the first section
  heading (a "Resume" or "Curriculum Vitae" line may come first); else, when the resume
  opens with a side column ("Contact", "Top Skills", ... as LinkedIn exports do), the few
  lines just above the first main heading (name, headline, location, then "Summary").
- Form: two to five capitalised words (particles such as "van", "de la" and initials
  allowed), no digits or symbols; contact details, separators, a "(she/her)", honorifics
  and credentials ("Dr.", ", MBA") around it are set aside. Letter-spaced lines
  ("J O H N  S M I T H") are closed up; all-caps names are written as names
  ("MARY O'NEIL" -> "Mary O'Neil", "LUDWIG VAN BEETHOVEN" -> "Ludwig van Beethoven").
- Words: none may be a heading, job-title, degree, field, organisation or place word
  (data/names.json, and the job titles of data/roles.json), nor a common English word that
  no name list knows ("Red Hat", "Disney Experiences"), unless the email address spells
  part of the line ("Cat Cole", cat.cole@...). Then one of: a known given name (Faker's
  86 locales), the email address agreeing, or, for names no list knows, rare words only,
  in the first line or beside the contact details.
- Not an organisation: a candidate that turns up again in the body next to a year or
  after "at" is an employer ("Red Hat, 2019 - Present"), not the person.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .contacts import find_emails, find_phones
from .sections import heading_name
from .similarity import _zipf

DATA_FILE = Path(__file__).with_name("data") / "names.json"
ROLES_FILE = Path(__file__).with_name("data") / "roles.json"
HEADER_LINES = 6  # non-empty lines at the top that may hold the name
LABEL_LINES = 40  # non-empty lines searched for a "Name: ..." label
SIDE_LINES = 4  # lines above the first main heading, in a side-column layout
CONTACT_REACH = 3  # a name line has contact details on it or this many lines below
VOCABULARY_ZIPF = 4.0  # a word this common that no name list knows is vocabulary
RARE_ZIPF = 3.0  # rarer words are unlikely to be vocabulary
MAX_WORDS, MAX_CHARS = 5, 50

# Particles written in lower case inside a name ("Ludwig van Beethoven", "de la Cruz").
PARTICLES = frozenset("van von de der den da das dos do del della di du la le las los y e "
                      "zu ten ter bin binti ibn al el".split())
_LOWER_PARTICLES = frozenset("van von de der den da das dos do del della du y zu ten ter "
                             "bin binti ibn".split())
_GENERATIONS = {"jr": "Jr.", "sr": "Sr.", "ii": "II", "iii": "III", "iv": "IV"}
_DOCUMENT_LABELS = frozenset({"resume", "résumé", "cv", "curriculum vitae", "bio data",
                              "biodata", "bio-data", "curriculum vitae resume"})
# Side-column headings that LinkedIn and two-column templates put before the name.
_SIDE_LABELS = frozenset({"contact", "contacts", "contact information", "contact info",
                          "contact details", "top skills", "personal details",
                          "personal information", "personal data", "details"})
_SIDE_SECTIONS = frozenset({"skills", "languages", "certifications", "awards", "interests",
                            "training", "references"})

_NAME_LABEL = re.compile(r"^\s*(?:full\s+)?name\s*[:\-–]\s*(.+)$", re.IGNORECASE)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|io|me|dev)(?:/\S*)?")
_EMAIL = re.compile(r"\S+@\S+")
_HARD_SEPARATORS = re.compile(r"\s*[|•·;▪◦●■►✉☎📞📧]\s*|\t")
_SOFT_SEPARATORS = re.compile(r"\s*(?:,|\s[-–—]\s|\s{3,})\s*")
_DECORATION = "#*=_~>-–—:.,"
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"|“[^”]*”")
_WORD = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")
_INITIAL = re.compile(r"^[^\W\d_]\.?$")
# A no-break space read as Windows-1252 and written as UTF-8 again: "Name\u00c2 ".
_MOJIBAKE_SPACE = re.compile(r"\u00c2(?=\s|$)")
_PLACE_CODE = re.compile(r"^[A-Z]{2}\b")  # a state or country code after a comma
_FIELD_ENDINGS = ("ology", "ologies", "ography", "onomics", "ematics", "istics")
_LETTERS = re.compile(r"^(?:[^\W\d_]|['-])+$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class _Words:
    given: frozenset[str]
    family: frozenset[str]
    stop: frozenset[str]
    honorifics: frozenset[str]
    credentials: frozenset[str]


@cache
def _words() -> _Words:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    given = frozenset(_with_plain(raw["given"].split()))
    family = frozenset(_with_plain(raw["family"].split()))
    groups = raw["not_name"]
    curated = {w for key, words in groups.items() if key not in ("honorifics", "credentials")
               for w in words.split()}
    roles = json.loads(ROLES_FILE.read_text(encoding="utf-8"))
    title_words = {w for family_ in roles["families"] for phrase in family_
                   for w in re.findall(r"[^\W\d_]+", phrase.casefold())}
    title_words |= {w.casefold() for w in roles["qualifiers"]}
    # A title word that is also a name ("Baker", "Mason", "Dean") says nothing either way.
    title_words -= given | family | PARTICLES | set(_GENERATIONS)
    return _Words(given, family, frozenset(curated | {w for w in title_words if len(w) > 1}),
                  frozenset(groups["honorifics"].split()),
                  frozenset(groups["credentials"].split()))


def _with_plain(words: list[str]) -> set[str]:
    return set(words) | {_plain(w) for w in words}


def _plain(word: str) -> str:
    """Lower case without accents: "José" -> "jose"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_name(lines: list[str]) -> str | None:
    """The person's name from a resume's lines, or None when no line is surely a name."""
    top = [(i, _tidy(line)) for i, line in enumerate(lines[: LABEL_LINES * 3]) if line.strip()]
    top = top[:LABEL_LINES]
    if not top:
        return None
    locals_ = [e.split("@", 1)[0] for e in find_emails("\n".join(line for _, line in top))]
    reader = _Reader(lines, top, locals_)
    for k, (_, line) in enumerate(top):
        labelled = _NAME_LABEL.match(line)
        if labelled:
            name = reader.read(labelled.group(1), k, labelled=True)
            if name:
                return name
    zone: list[int] = []
    side_layout = False
    for k, (_, line) in enumerate(top):
        if len(zone) >= HEADER_LINES:
            break
        found = heading_name(line)
        if found is not None or _key(line) in _SIDE_LABELS:
            # A side column first: LinkedIn's "Contact", a template's "SKILLS".
            side_layout = not zone and (found is None or found[0] in _SIDE_SECTIONS)
            break
        if _key(line) not in _DOCUMENT_LABELS:
            zone.append(k)
    for n, k in enumerate(zone):
        name = reader.read(top[k][1], k, strong=n == 0)
        if name is None and n + 1 < len(zone) and len(top[k][1].split()) == 1:
            # A name set on two lines: "JANE" / "DOE"; only a known name is taken so.
            name = reader.read(f"{top[k][1]} {top[zone[n + 1]][1]}", k + 1, known=True)
        if name:
            return name
    return _name_above_main_heading(top, reader) if side_layout else None


def _name_above_main_heading(top: list[tuple[int, str]], reader: _Reader) -> str | None:
    """Side column first (LinkedIn: Contact, Top Skills, ...; then name, headline and
    location above "Summary"): the name is among the lines just above the first main
    heading, nearest first."""
    for m, (_, line) in enumerate(top):
        found = heading_name(line)
        if found is not None and found[0] not in _SIDE_SECTIONS:
            for k in range(m - 1, max(-1, m - 1 - SIDE_LINES), -1):
                if heading_name(top[k][1]) is not None or _key(top[k][1]) in _SIDE_LABELS:
                    break
                name = reader.read(top[k][1], k, strong=True, alone=True)
                if name:
                    return name
            return None
    return None


class _Reader:
    """Reads one candidate line against the resume it comes from."""

    def __init__(self, lines: list[str], top: list[tuple[int, str]], email_locals: list[str]
                 ) -> None:
        self.lines = lines
        self.top = [line for _, line in top]
        self.index = [i for i, _ in top]  # where each top line is in `lines`
        self.email_locals = [re.sub(r"[^a-z]", "", _plain(e)) for e in email_locals]

    def read(self, line: str, k: int, *, strong: bool = False, labelled: bool = False,
             alone: bool = False, known: bool = False) -> str | None:
        """The name in `line` (the `k`th of the top lines), or None. `strong`: the line's place
        speaks for it; `alone`: nothing but the name may be on the line; `known`: only a
        name with a known given name or matching the email will do."""
        tokens = _candidate(line, alone=alone)
        if tokens is None:
            return None
        full = [t for n, t in enumerate(tokens) if _is_full_word(tokens, n)]
        strong = not known and (strong or self._near_contact(k))
        if not labelled and not self._words_say_name(full, strong):
            return None
        if labelled and any(_kind(w) == "stop" for w in full):
            return None
        if _YEAR.search(_without_contacts(line)):
            return None  # "Eddie Bauer, Best Product Wins 2013": an entry, not a header
        name = _format(tokens)
        return None if self._named_in_body(name, self.index[k] + 1) else name

    def _words_say_name(self, full: list[str], strong: bool) -> bool:
        kinds = [_kind(w) for w in full]
        if "stop" in kinds:
            return False
        if self._email_agrees(full):  # "Cat Cole", cat.cole@example.com
            return True
        if "vocabulary" in kinds:
            return False
        if "given" in kinds:
            return True
        return strong and "rare" in kinds and all(k in ("rare", "family") for k in kinds)

    def _email_agrees(self, full: list[str]) -> bool:
        keys = [re.sub(r"[^a-z]", "", _plain(w)) for w in full]
        return any(len(key) >= 3 and key in local for local in self.email_locals for key in keys)

    def _near_contact(self, k: int) -> bool:
        return any(_has_contact(line) for line in self.top[k : k + 1 + CONTACT_REACH])

    def _named_in_body(self, name: str, start: int) -> bool:
        """An organisation turns up again in the job entries: "Red Hat  2019 - 2023"."""
        folded = name.casefold()
        at = re.compile(r"\b(?:at|@)\s+" + re.escape(folded))
        for line in self.lines[start:]:
            low = line.casefold()
            if folded in low and len(low) > len(folded) + 2 and (_YEAR.search(low) or at.search(low)):
                return True
        return False


def _without_contacts(line: str) -> str:
    """The line with emails, web addresses and phone numbers turned into separators."""
    line = _URL.sub(" | ", _EMAIL.sub(" | ", line))
    for phone in find_phones(line):
        line = line.replace(phone, " | ")
    return line


def _has_contact(line: str) -> bool:
    return "@" in line or bool(_URL.search(line)) or bool(find_phones(line))


def _tidy(line: str) -> str:
    line = unicodedata.normalize("NFKC", line).replace("’", "'").replace("ʼ", "'")
    return _MOJIBAKE_SPACE.sub(" ", line).strip()


def _key(line: str) -> str:
    return " ".join(line.strip(_DECORATION + " ").casefold().split())


def _candidate(line: str, *, alone: bool = False) -> list[str] | None:
    """The tokens of the name-like part of a line (all of it if `alone`), or None."""
    line = _without_contacts(line)
    chunks = [c for c in _HARD_SEPARATORS.split(line) if c.strip(_DECORATION + " ")]
    if not chunks or (alone and len(chunks) > 1):
        return None
    chunk = _PARENS.sub("", _unspace(chunks[0].strip()))
    parts = _SOFT_SEPARATORS.split(chunk.strip(), maxsplit=1)
    if len(parts) > 1 and not _is_credentials(parts[1]) and (alone or _PLACE_CODE.match(parts[1])):
        return None  # "Palo Alto, CA": a place
    tokens = parts[0].strip(_DECORATION + " ").split()
    words = _words()
    while tokens and _plain(tokens[0]).strip(".") in words.honorifics:
        tokens = tokens[1:]
    while len(tokens) > 2 and _is_credential(tokens[-1], words):
        tokens = tokens[:-1]
    if not tokens or len(" ".join(tokens)) > MAX_CHARS or len(tokens) > MAX_WORDS + 2:
        return None
    full = 0
    for n, token in enumerate(tokens):
        if _is_full_word(tokens, n):
            if not _WORD.match(token) or token[0].islower() or token.casefold().endswith("'s"):
                return None
            full += 1
        elif not (_INITIAL.match(token) and token[0].isupper()) and not (
            _is_particle(tokens, n)
        ) and not (n > 1 and token.casefold().strip(".") in _GENERATIONS):
            return None
    return tokens if 2 <= full <= MAX_WORDS else None


def _is_particle(tokens: list[str], n: int) -> bool:
    """"van" in "Ludwig van Beethoven"; not "Le" in "Anna Le", last, where it is a name."""
    return 0 < n < len(tokens) - 1 and tokens[n].casefold() in PARTICLES


def _is_full_word(tokens: list[str], n: int) -> bool:
    """Not an initial, a particle or (after the first word) "Jr."."""
    token = tokens[n]
    if _INITIAL.match(token) or _is_particle(tokens, n):
        return False
    return not (n > 0 and token.casefold().strip(".") in _GENERATIONS)


def _is_credentials(text: str) -> bool:
    """Only qualifications: "MBA, PMP"."""
    tokens = re.split(r"[\s,]+", text.strip(" ,."))
    return all(_is_credential(t, _words()) for t in tokens)


def _is_credential(token: str, words: _Words) -> bool:
    """A qualification after the name: "Ph.D.", "MBA", "RN" (not "Ma" in "JACK MA")."""
    key = _plain(token).replace(".", "")
    if key not in words.credentials:
        return False
    if "." in token or len(key) > 2:
        return True
    return token.isupper() and key not in words.given and key not in words.family


def _kind(word: str) -> str:
    """stop, given, family, vocabulary, rare or plain (a middling word no list knows)."""
    words = _words()
    key = _plain(word)
    parts = [key, *(p for p in re.split(r"['-]", key) if len(p) > 1)]
    if any(p in words.stop for p in parts) or key.endswith(_FIELD_ENDINGS):
        return "stop"
    if any(p in words.given for p in parts):
        return "given"
    if any(p in words.family for p in parts):
        return "family"
    zipf = _zipf().get(word.casefold(), _zipf().get(key, 0.0))
    if zipf >= VOCABULARY_ZIPF:
        return "vocabulary"
    return "rare" if zipf < RARE_ZIPF else "plain"


def _format(tokens: list[str]) -> str:
    """The name as people write it; all-caps words become "Mary O'Neil", "McDonald"."""
    out: list[str] = []
    for n, token in enumerate(tokens):
        low = token.casefold()
        if n > 0 and low.strip(".") in _GENERATIONS:
            out.append(_GENERATIONS[low.strip(".")])
        elif _is_particle(tokens, n) and (
            low in _LOWER_PARTICLES or out[-1].casefold() in _LOWER_PARTICLES or token.islower()
        ):
            out.append(low if token.isupper() or token.islower() else token)
        elif token.isupper() and len(token.strip(".")) > 1:
            word = re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), token)
            out.append(re.sub(r"^Mc(\w)", lambda m: "Mc" + m.group(1).upper(), word))
        else:
            out.append(token)
    return " ".join(out)


def _unspace(text: str) -> str:
    """Close up a letter-spaced name: "J O H N  S M I T H", "J o h n   S m i t h"."""
    tokens = text.split()
    if len(tokens) < 4:
        return text
    singles = sum(len(t) == 1 for t in tokens)
    if singles * 2 < len(tokens) or any(len(t) > 2 or not _LETTERS.match(t) for t in tokens):
        return text
    words = re.split(r"\s{2,}", text.strip())
    if len(words) > 1:
        return " ".join(w.replace(" ", "") for w in words)
    joined = "".join(tokens)
    # One space throughout: a capital after a small letter starts a word ("J o h n S m i t h").
    out = [joined[0]]
    for prev, ch in zip(joined, joined[1:], strict=False):
        out.append(" " + ch if ch.isupper() and prev.islower() else ch)
    return "".join(out)
