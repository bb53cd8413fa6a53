"""Job titles: variants of a role, roots of words, and the roles read from a resume."""

from __future__ import annotations

import pytest

from app.analysis.roles import Role, find_roles, fitting_part, root, title_fit, title_terms
from app.analysis.sections import find_sections

from .conftest import TODAY


@pytest.mark.parametrize(
    ("opening", "title", "fit"),
    [
        ("Automotive Technician", "Auto Mechanic", 1.0),  # a known variant
        ("Advocate", "Associate Attorney", 1.0),
        ("Staff Accountant", "Senior Accountant", 1.0),
        ("Staff Accountant", "Account Executive", 0.0),  # "account" is no "accountant"
        ("DevOps Engineer", "Software Engineer", 0.323),  # only "engineer" in common
        ("DevOps Engineer", "Site Reliability Engineer (SRE)", 1.0),
        ("Business Development Manager", "Sales Manager", 0.111),  # only the qualifier
        ("Sous Chef", "Line Cook", 1.0),
    ],
)
def test_title_fit(opening: str, title: str, fit: float) -> None:
    assert title_fit(title_terms(opening), title) == pytest.approx(fit, abs=0.001)


def test_qualifiers_weigh_little() -> None:
    _, terms = title_terms("Senior Data Wrangler")
    assert terms[root("senior")] == 0.25
    assert terms[root("wrangler")] > 3 * terms[root("senior")]


def test_roots() -> None:
    assert root("accountant") == root("accounting") == root("accountants") == "account*"
    assert root("account") == root("accounts") == "account"
    assert root("banker") == root("banking") == "bank*"


def test_roles_from_headline_and_dated_entries() -> None:
    text = ("Jane Doe\nAccounts Payable Supervisor\nSummary\nDetail-oriented.\nExperience\n"
            "Accounts Payable Supervisor\nMarch 2013\n\nto\nDecember 2015\nCompany Name\n"
            "- Approved reconciliations and vendor payments for the group.\n"
            "Education\nBachelor of Commerce, 2008 - 2012\n")
    lines = text.splitlines()
    _, spans = find_sections(lines)
    assert find_roles(lines, spans, today=TODAY) == (
        Role("Jane Doe"), Role("Accounts Payable Supervisor"),
        Role("Accounts Payable Supervisor", 2013 * 12 + 2, 2015 * 12 + 12),
    )


def test_role_round_trips_through_a_dict() -> None:
    role = Role("Chef", 2019 * 12 + 4, 2024 * 12 + 6)
    assert role.to_dict() == {"title": "Chef", "start": "2019-05", "end": "2024-07"}
    assert Role.from_dict(role.to_dict()) == role
    assert role.months == 62


def test_the_role_shown_is_the_title_not_the_employer_beside_it():
    wanted = title_terms("DevOps Engineer")
    assert fitting_part(wanted, "Acme - DevOps Engineer") == "DevOps Engineer"
    assert fitting_part(wanted, "DevOps Engineer at Red Hat") == "DevOps Engineer"
    assert fitting_part(wanted, "Globex | Site Reliability Engineer, Berlin") == (
        "Site Reliability Engineer")
    assert fitting_part(wanted, "Senior DevOps Engineer") == "Senior DevOps Engineer"
