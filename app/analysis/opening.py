"""The opening (the position being filled) as the analysis sees it."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from app.analysis.errors import InvalidInput

from .taxonomy import default_taxonomy, find_skills

MAX_TITLE_CHARS = 200
MAX_SKILL_CHARS = 80
MAX_SKILLS = 60
MAX_MIN_YEARS = 50


@dataclass(frozen=True)
class Opening:
    """Title, description, skills and minimum years; validated and normalised on creation.

    Skills the taxonomy knows are stored under their canonical names ("golang" -> "Go");
    unknown ones are kept as typed and matched literally (whole words, any case).
    """

    title: str
    description: str = ""
    must_have: list[str] = field(default_factory=list)
    nice_to_have: list[str] = field(default_factory=list)
    min_years: float | None = None

    def __post_init__(self) -> None:
        title = " ".join(str(self.title or "").split())
        if not title:
            raise InvalidInput("Give the opening a title, for example “Registered Nurse”.")
        if len(title) > MAX_TITLE_CHARS:
            raise InvalidInput(f"The opening title is too long (at most {MAX_TITLE_CHARS} characters).")
        must = _skill_list(self.must_have, "must-have")
        taken = {s.casefold() for s in must}
        nice = [s for s in _skill_list(self.nice_to_have, "nice-to-have") if s.casefold() not in taken]
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "description", str(self.description or "").strip())
        object.__setattr__(self, "must_have", must)
        object.__setattr__(self, "nice_to_have", nice)
        object.__setattr__(self, "min_years", _min_years(self.min_years))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Opening:
        if not isinstance(data, dict):
            raise InvalidInput("An opening must be an object with a title and a description.")
        return cls(
            title=data.get("title", ""),
            description=data.get("description") or "",
            must_have=data.get("must_have") or [],
            nice_to_have=data.get("nice_to_have") or [],
            min_years=data.get("min_years"),
        )


def suggest_skills(description: str) -> list[str]:
    """Canonical skills named in a job description, in order of first appearance.

    Offered to the recruiter as nice-to-haves: only the recruiter makes a skill a must-have.
    Matching counts them as nice-to-haves when the opening lists none of its own.
    """
    return find_skills(description or "")


_YEARS_ASKED = re.compile(
    r"(?<![\w.])(?:at\s+least\s+|minimum\s+(?:of\s+)?|min\.?\s+|over\s+|more\s+than\s+)?"
    r"(?P<n>\d{1,2}(?:\.\d)?)\s*(?:\+|plus)?\s*(?:-|–|to)?\s*(?:\d{1,2}\s*)?"
    r"(?:years?|yrs?)\.?(?:\s+of)?(?:\s+[\w/-]+){0,4}?\s+(?:experience|exp)\b",
    re.IGNORECASE,
)


def suggest_min_years(description: str) -> float | None:
    """The minimum years a description asks for ("3+ years of experience" -> 3), or None.

    With several figures (one per skill, say) the smallest is the floor for the role.
    """
    found = [float(m.group("n")) for m in _YEARS_ASKED.finditer(description or "")]
    found = [n for n in found if 0 < n <= MAX_MIN_YEARS]
    return min(found) if found else None


def _skill_list(raw: Any, label: str) -> list[str]:
    if isinstance(raw, str):  # "Python, SQL" typed into one field
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)):
        raise InvalidInput(f"The {label} skills must be a list.")
    taxonomy = default_taxonomy()
    skills: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, str):
            raise InvalidInput(f"Each {label} skill must be text.")
        typed = " ".join(item.split())
        if not typed:
            continue
        if len(typed) > MAX_SKILL_CHARS:
            raise InvalidInput(f"The {label} skill “{typed[:30]}…” is too long.")
        name = taxonomy.canonical(typed) or typed
        skills.setdefault(name.casefold(), name)
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"List at most {MAX_SKILLS} {label} skills.")
    return list(skills.values())


def _min_years(raw: Any) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        years = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput("The minimum years of experience must be a number.") from None
    if math.isnan(years) or not 0 <= years <= MAX_MIN_YEARS:
        raise InvalidInput(f"The minimum years of experience must be between 0 and {MAX_MIN_YEARS}.")
    return years
