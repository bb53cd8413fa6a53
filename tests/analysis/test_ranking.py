"""Given resumes from nine professions, the right ones rank first for each opening."""

from __future__ import annotations

import pytest

from app.analysis import Opening
from app.analysis.pipeline import analyze_text

from . import factories
from .conftest import TODAY

OPENINGS = {
    "backend": (
        Opening("Backend Engineer", "Build Python and Go services on PostgreSQL and Kubernetes.",
                ["Python", "Go", "PostgreSQL", "Kubernetes"], ["Terraform", "Redis", "AWS"], 5),
        ["software_senior", "software_junior"],
    ),
    "nurse": (
        Opening("ICU Registered Nurse", "Registered nurse for our intensive care unit.",
                ["RN license", "Patient care", "Medication administration", "IV therapy", "BLS",
                 "ACLS"], ["Epic", "Telemetry"], 3),
        ["nurse"],
    ),
    "accountant": (
        # No skills listed: they come from the description.
        Opening("Senior Accountant", "Own month-end close, reconciliations and financial "
                "reporting under GAAP. QuickBooks and Excel.", min_years=4),
        ["accountant"],
    ),
    "warehouse": (
        Opening("Warehouse Operative", "Forklift, order picking, shipping and receiving.",
                ["Forklift operation", "Order picking", "Shipping and receiving"], ["WMS"], 1),
        ["warehouse"],
    ),
}
# Bands of the other resumes that are not "weak", with the reason.
OTHER_BANDS: dict[str, dict[str, str]] = {}


def _ranking(opening: Opening) -> list[tuple[str, int, str]]:
    results = [(key, analyze_text(text, f"{key}.txt", opening, today=TODAY).match)
               for key, text in factories.RESUMES.items()]
    results.sort(key=lambda r: -r[1].score)
    return [(key, m.score, m.band) for key, m in results]


@pytest.mark.parametrize("name", OPENINGS)
def test_matching_resumes_rank_above_all_others(name: str) -> None:
    opening, expected_top = OPENINGS[name]
    ranking = _ranking(opening)
    assert [key for key, _, _ in ranking[: len(expected_top)]] == expected_top
    lowest_match = min(score for key, score, _ in ranking if key in expected_top)
    others = [(key, score, band) for key, score, band in ranking if key not in expected_top]
    assert all(score < lowest_match for _, score, _ in others), ranking
    expected_bands = {key: OTHER_BANDS.get(name, {}).get(key, "weak") for key, _, _ in others}
    assert {key: band for key, _, band in others} == expected_bands
    assert ranking[0][2] == "strong"


def test_the_junior_engineer_is_partial_with_a_gap() -> None:
    opening = OPENINGS["backend"][0]
    match = analyze_text(factories.SOFTWARE_JUNIOR, "sam.txt", opening, today=TODAY).match
    assert match.must_have_missing == ("Go", "Kubernetes")
    assert match.band == "partial"
    assert match.experience_ok is False
