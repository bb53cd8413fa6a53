"""The candidate profile read from a resume's text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .contacts import Link, find_emails, find_links, find_phones
from .education import EDUCATION_LEVELS, education_level
from .experience import years_of_experience
from .names import find_name
from .roles import Role, find_roles
from .sections import find_sections
from .taxonomy import Taxonomy, default_taxonomy
from .text import Tokens, normalise, tokenize


@dataclass(frozen=True)
class Profile:
    name: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    links: tuple[Link, ...]
    skills: tuple[str, ...]  # canonical names, in order of first appearance
    years: float | None  # total years of experience; None when nothing shows it
    education: str  # one of EDUCATION_LEVELS
    sections: tuple[str, ...]
    # Title lines from the headline and the dated job entries (see `roles.find_roles`).
    roles: tuple[Role, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "emails": list(self.emails),
            "phones": list(self.phones),
            "links": [{"kind": link.kind, "url": link.url} for link in self.links],
            "skills": list(self.skills),
            "years": self.years,
            "education": self.education,
            "sections": list(self.sections),
            "roles": [role.to_dict() for role in self.roles],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        education = data.get("education") or "none"
        return cls(
            name=data.get("name"),
            emails=tuple(data.get("emails", ())),
            phones=tuple(data.get("phones", ())),
            links=tuple(Link(d["kind"], d["url"]) for d in data.get("links", ())),
            skills=tuple(data.get("skills", ())),
            years=None if data.get("years") is None else float(data["years"]),
            education=education if education in EDUCATION_LEVELS else "none",
            sections=tuple(data.get("sections", ())),
            roles=tuple(Role.from_dict(r) for r in data.get("roles", ()) if isinstance(r, dict)),
        )


def build_profile(
    text: str,
    *,
    today: date | None = None,
    tokens: Tokens | None = None,
    taxonomy: Taxonomy | None = None,
) -> Profile:
    """Read a profile from extracted text. Pass `tokens` if already computed for matching."""
    taxonomy = taxonomy or default_taxonomy()
    tokens = tokens if tokens is not None else tokenize(normalise(text))
    lines = text.splitlines()
    names, spans = find_sections(lines)
    today = today or date.today()
    return Profile(
        name=find_name(lines),
        emails=find_emails(text),
        phones=find_phones(text),
        links=find_links(text),
        skills=tuple(taxonomy.find_in_tokens(tokens)),
        years=years_of_experience(lines, spans, today=today),
        education=education_level(text),
        sections=names,
        roles=find_roles(lines, spans, today=today),
    )
