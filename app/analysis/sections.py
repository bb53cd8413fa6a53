"""Resume sections (experience, education, skills, ...) found from their headings.

A heading is a short line on its own ("WORK EXPERIENCE", "Education:", "## Skills") or a
label before a colon ("Skills: Python, SQL"). Knowing where sections are lets other
rules look in the right place: dates in the education section are not work experience.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary", "professional summary", "career summary", "profile", "professional profile",
        "personal profile", "objective", "career objective", "objectives", "about me", "about",
        "personal statement", "overview", "executive summary", "summary of qualifications",
    ),
    "experience": (
        "experience", "work experience", "professional experience", "employment history",
        "employment", "work history", "career history", "relevant experience",
        "professional background", "clinical experience", "teaching experience",
        "experience and employment", "employment experience", "career", "positions held",
        "relevant work experience", "industry experience",
    ),
    "education": (
        "education", "academic background", "education and training", "educational background",
        "academic qualifications", "academics", "education and qualifications",
        "qualifications and education", "academic history", "degrees",
    ),
    "skills": (
        "skills", "technical skills", "key skills", "core skills", "core competencies",
        "competencies", "areas of expertise", "expertise", "skills and abilities",
        "professional skills", "technologies", "tech stack", "skill set", "skillset",
        "skills summary", "summary of skills", "key qualifications", "tools", "tools and technologies",
        "skills and competencies", "relevant skills", "computer skills", "it skills",
        "qualifications", "strengths",
    ),
    "projects": ("projects", "personal projects", "key projects", "selected projects",
                 "academic projects", "side projects", "project experience"),
    "certifications": (
        "certifications", "certificates", "certification", "licenses", "licences",
        "licenses and certifications", "licences and certifications",
        "certifications and licenses", "certifications and licences",
        "professional certifications", "credentials", "accreditations", "licensure",
    ),
    "languages": ("languages", "language skills", "spoken languages"),
    "awards": ("awards", "honors", "honours", "achievements", "awards and honors",
               "awards and honours", "accomplishments", "key achievements"),
    "publications": ("publications", "papers", "research", "research and publications"),
    "volunteering": ("volunteer experience", "volunteering", "volunteer work",
                     "community involvement", "volunteer", "community service"),
    "training": ("training", "courses", "professional development", "continuing education",
                 "coursework", "relevant coursework"),
    "interests": ("interests", "hobbies", "hobbies and interests", "personal interests"),
    "references": ("references", "referees"),
}
_BY_HEADING = {h: name for name, headings in _HEADINGS.items() for h in headings}
_MAX_HEADING_WORDS = 5
# Longer lines are never headings; checking length first also keeps the regex below
# from crawling through pathological lines.
_MAX_HEADING_CHARS = 60
# Decoration around headings: bullets, markdown hashes, rules, numbering.
_DECORATION = re.compile(r"^[\s#*=_~•▪◦●■►>|\-–—\d.)]+|[\s#*=_~:|\-–—.]+$")


@dataclass(frozen=True)
class Section:
    name: str
    start_line: int  # index of the heading line
    end_line: int  # index one past the section's last line


def heading_name(line: str) -> tuple[str, bool] | None:
    """(section name, inline) for a heading line, or None if the line is not a heading.

    `inline` is true for a label with content after it ("Skills: Python, SQL").
    """
    label, colon, rest = line.partition(":")
    if len(label) > _MAX_HEADING_CHARS:
        return None
    label = _DECORATION.sub("", label).replace("&", " and ").replace("/", " and ")
    words = label.casefold().split()
    if not words or len(words) > _MAX_HEADING_WORDS:
        return None
    name = _BY_HEADING.get(" ".join(words))
    if name is None:
        return None
    return name, bool(colon and rest.strip())


def find_sections(lines: list[str]) -> tuple[tuple[str, ...], list[Section]]:
    """Section names in order of first appearance, and the spans of standalone headings.

    Inline labels name a section but do not open a span: inside a job entry,
    "Tools: Jira, Git" is a detail of that job, not the end of the experience section.
    """
    names: dict[str, None] = {}
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        found = heading_name(line)
        if found is None:
            continue
        name, inline = found
        names.setdefault(name, None)
        if not inline:
            starts.append((i, name))
    spans = [
        Section(name, i, starts[k + 1][0] if k + 1 < len(starts) else len(lines))
        for k, (i, name) in enumerate(starts)
    ]
    return tuple(names), spans
