"""Skill matching on text as people and PDF exporters really write it."""

from __future__ import annotations

import pytest

from app.analysis import find_skills
from app.analysis.taxonomy import Taxonomy, default_taxonomy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Go the language, go the verb
        ("I go to meetings and go the extra mile.", []),
        ("Languages: Go, Rust", ["Go", "Rust"]),
        ("Built services in Golang.", ["Go"]),
        ("Led the Go-live of the new ERP.", ["ERP systems"]),
        ("Go live planning and Go to market", []),
        # C, C++, C#
        ("C, C++ and C#", ["C", "C++", "C#"]),
        ("C++ only", ["C++"]),
        ("C# only", ["C#"]),
        ("C/C++ embedded work", ["C", "C++"]),
        ("Reported to C-level executives", []),
        ("Objective-C apps", ["Objective-C"]),
        ("Holds a Class C licence and takes vitamin C", []),
        # R
        ("Statistics in R and Python", ["Statistics", "R", "Python"]),
        ("Led R&D projects", []),
        ("Jane R. Doe", []),
        ("r is a letter", []),
        # Word boundaries
        ("JavaScript developer", ["JavaScript"]),
        ("Java developer", ["Java"]),
        ("ASP.NET and Node.js", ["ASP.NET", "Node.js"]),
        (".NET Core services", [".NET"]),
        # Case where it matters, not where it doesn't
        ("I excel at sales", ["Sales"]),
        ("Advanced Excel", ["Excel"]),
        ("react quickly; built apps in React", ["React"]),
        ("PYTHON and python and Python", ["Python"]),
        # Text as exported from PDFs
        ("Java-\nScript and Type-\nScript", ["JavaScript", "TypeScript"]),
        ("Proﬁcient in Microsoft Oﬃce and ﬁnancial reporting", ["Microsoft Office", "Financial reporting"]),
        ("•Python ▪SQL ◦Excel ● Jira", ["Python", "SQL", "Excel", "Jira"]),
        ("Project\u00a0management and data\u2009entry", ["Project management", "Data entry"]),
        ("Skilled in project\nmanagement", ["Project management"]),
        ("Skilled in project   \n   management", ["Project management"]),
        ("Java\u00adScript", ["JavaScript"]),
        ("Python\u2122 developer", ["Python"]),
        ("front-end and front end and frontend", ["Front-end development"]),
        # Punctuation separates phrases
        ("project, management", []),
        # Order of first appearance, no duplicates
        ("SQL then Python then SQL", ["SQL", "Python"]),
    ],
)
def test_find_skills(text: str, expected: list[str]) -> None:
    assert find_skills(text) == expected


def test_overlapping_phrases_both_count() -> None:
    # "SQL Server" is its own skill, and it still shows the candidate knows SQL.
    assert find_skills("Microsoft SQL Server") == ["Microsoft SQL Server", "SQL"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A capital I read as a lower-case l by the PDF's text layer
        ("Built Cl/CD pipelines", ["CI/CD"]),
        ("Chlorine (Cl) levels", []),
        # Phrases: "sales tax" is tax work, not selling
        ("Filed sales tax returns", ["Tax preparation"]),
        ("Sales and sales tax", ["Sales", "Tax preparation"]),
        ("Prepared financial reports monthly", ["Financial reporting"]),
        ("Represent clients at court hearings", ["Client representation", "Court hearings"]),
    ],
)
def test_find_skills_in_issue_cases(text: str, expected: list[str]) -> None:
    assert find_skills(text) == expected


def test_narrower_skills_imply_broader_ones() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.implied_by("CI/CD") == {"Jenkins", "GitHub Actions", "GitLab CI"}
    assert {"Amazon EC2", "Amazon S3"} <= taxonomy.implied_by("AWS")
    assert taxonomy.implied_by("Python") == frozenset()


def test_loader_refuses_an_implication_of_an_unknown_skill() -> None:
    data = {"categories": {"x": "X"}, "skills": [
        {"name": "Jenkins", "category": "x", "aliases": [], "implies": ["CI"]}]}
    with pytest.raises(ValueError, match="unknown"):
        Taxonomy.from_data(data)
