"""Finding people inside a shortlist: by fit, the hiring team's status, a tag, a star, a
skill, minimum years, and words in the name, file or what was read from the resume.

`shortlist()` (app.recruiting.queries) ranks the whole batch first, then applies these
conditions to the ranked rows: a filtered list keeps each person's rank in the batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, cast, func

from app.errors import InvalidInput
from app.models import CandidateStatus, Decision, Item

BANDS = ("strong", "good", "partial", "weak")
STATUSES = tuple(s.value for s in CandidateStatus)
MAX_WORDS_CHARS = 200

item_t, decision_t = Item.__table__, Decision.__table__


@dataclass(frozen=True)
class ShortlistFilter:
    band: str | None = None
    status: str | None = None
    tag: str | None = None
    starred: bool | None = None
    skill: str | None = None
    min_years: float | None = None
    words: str | None = None  # in the name, the file name or the resume's reading

    def __post_init__(self) -> None:
        if self.band is not None and self.band not in BANDS:
            raise InvalidInput(f"The fit is one of: {', '.join(BANDS)}.")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInput(f"The status is one of: {', '.join(STATUSES)}.")
        if self.min_years is not None and not 0 <= self.min_years <= 80:
            raise InvalidInput("Minimum years is a number from 0 to 80.")
        if self.words is not None and len(self.words) > MAX_WORDS_CHARS:
            raise InvalidInput(f"Search for at most {MAX_WORDS_CHARS} characters.")

    @property
    def empty(self) -> bool:
        return all(v in (None, "") for v in self.__dict__.values())

    @property
    def needs_text(self) -> bool:
        return bool((self.words or "").strip() or (self.skill or "").strip())


def columns(f: ShortlistFilter) -> list[ColumnElement]:
    """The extra columns the conditions read, selected with the ranked rows (the item is
    joined to its decision, outer)."""
    extra = [func.coalesce(decision_t.c.status, CandidateStatus.new.value).label("team_status"),
             func.coalesce(decision_t.c.starred, False).label("team_starred"),
             func.lower(cast(decision_t.c.tags, String)).label("team_tags")]
    if f.needs_text:
        # What was read of the person (name, contacts, titles, skills, education) as
        # lower-case JSON text; not the match, whose missing skills would match too.
        extra.append(func.lower(func.coalesce(_json("profile"), "")).label("haystack"))
        extra.append(func.lower(
            func.coalesce(_json("profile", "skills"), "")
            + func.coalesce(_json("match", "must_have_matched"), "")
            + func.coalesce(_json("match", "nice_to_have_matched"), "")).label("skills"))
    return extra


def _json(*path: str) -> ColumnElement:
    """The JSON at `path` of the item's result, as text (an object or array too)."""
    return item_t.c.result[path].as_string()


def _quoted(value: str) -> str:
    """A JSON string as it is written inside an array (so a whole tag or skill matches)."""
    return json.dumps(value.strip().lower())


def conditions(ranked, f: ShortlistFilter) -> list[ColumnElement]:
    found = []
    if f.band:
        found.append(ranked.c.band == f.band)
    if f.status:
        found.append(ranked.c.team_status == f.status)
    if f.starred is not None:
        found.append(ranked.c.team_starred.is_(f.starred))
    if f.tag and f.tag.strip():
        found.append(func.coalesce(ranked.c.team_tags, "").contains(_quoted(f.tag),
                                                                      autoescape=True))
    if f.skill and f.skill.strip():
        found.append(ranked.c.skills.contains(_quoted(f.skill), autoescape=True))
    if f.min_years is not None:
        found.append(ranked.c.years >= f.min_years)
    for word in (f.words or "").lower().split():
        found.append(func.coalesce(ranked.c.haystack, "").contains(word, autoescape=True)
                     | func.lower(ranked.c.file).contains(word, autoescape=True))
    return [and_(*found)] if found else []
