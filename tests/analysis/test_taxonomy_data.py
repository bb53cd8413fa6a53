"""Sanity of the shipped skills data: size, coverage, and unambiguous aliases."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from app.analysis.taxonomy import DATA_FILE, Taxonomy, default_taxonomy
from app.analysis.text import phrase_key

RAW = json.loads(DATA_FILE.read_text(encoding="utf-8"))
TERMS = [(s["name"], term) for s in RAW["skills"] for term in (s["name"], *s["aliases"])]
REQUIRED_CATEGORIES = ("software_it", "office_admin", "finance_accounting", "sales_marketing",
                       "customer_service", "healthcare", "education", "logistics", "trades")


def test_at_least_300_skills() -> None:
    assert len(RAW["skills"]) >= 300
    assert len(default_taxonomy().skills) == len(RAW["skills"])


def test_every_required_category_is_well_covered() -> None:
    counts = Counter(s["category"] for s in RAW["skills"])
    for category in REQUIRED_CATEGORIES:
        assert category in RAW["categories"]
        assert counts[category] >= 15, category


def test_every_skill_has_a_known_category_and_unique_name() -> None:
    names = [s["name"].casefold() for s in RAW["skills"]]
    assert len(names) == len(set(names))
    assert {s["category"] for s in RAW["skills"]} <= set(RAW["categories"])


def test_no_alias_belongs_to_two_skills() -> None:
    owners: dict[tuple[str, ...], set[str]] = {}
    for name, term in TERMS:
        owners.setdefault(phrase_key(term), set()).add(name)
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}


def test_loader_refuses_an_alias_shared_by_two_skills() -> None:
    data = {"categories": {"x": "X"}, "skills": [
        {"name": "Python", "category": "x", "aliases": ["py"]},
        {"name": "PyPy", "category": "x", "aliases": ["PY"]},
    ]}
    with pytest.raises(ValueError, match="also"):
        Taxonomy.from_data(data)


def test_case_sensitive_terms_are_real_terms() -> None:
    for skill in RAW["skills"]:
        assert set(skill.get("case_sensitive", ())) <= {skill["name"], *skill["aliases"]}, skill


def test_every_term_finds_its_skill_in_a_sentence() -> None:
    taxonomy = default_taxonomy()
    failures = []
    for name, term in TERMS:
        if name not in taxonomy.find_skills(f"Worked with {term} daily."):
            failures.append(("sentence", term))
        if name not in taxonomy.find_skills(f"Skills: Teamwork, {term}, Typing"):
            failures.append(("list", term))
        if taxonomy.canonical(term) != name:
            failures.append(("canonical", term))
        if taxonomy.canonical(term.upper()) != name:  # typed by a recruiter: case ignored
            failures.append(("canonical upper", term))
    assert len(TERMS) > 1500
    assert failures == []
