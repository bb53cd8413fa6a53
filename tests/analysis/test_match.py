"""Scoring a resume against an opening: skill gap, experience, similarity, band."""

from __future__ import annotations

import pytest

from app.analysis import Opening
from app.analysis.match import BANDS, WEIGHTS, _band
from app.analysis.pipeline import analyze_text

from . import factories
from .conftest import TODAY


def _match(text: str, opening: Opening):
    return analyze_text(text, "cv.txt", opening, today=TODAY).match


def test_weights_are_a_whole() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert [name for name, _ in BANDS] == ["strong", "good", "partial", "weak"]


def test_skill_gap_and_experience() -> None:
    opening = Opening("Backend Engineer", "Python services", ["Python", "Go", "Terraform", "Rust"],
                      ["Redis", "Kafka"], 12)
    m = _match(factories.SOFTWARE_SENIOR, opening)
    assert m.must_have_matched == ("Python", "Go", "Terraform")
    assert m.must_have_missing == ("Rust",)
    assert m.nice_to_have_matched == ("Redis",)
    assert m.nice_to_have_missing == ("Apache Kafka",)  # typed "Kafka": stored canonical
    assert (m.years, m.min_years, m.experience_ok) == (9.0, 12.0, False)
    assert m.band == "good"
    assert "missing: Rust" in m.explanation
    assert "About 9 years of experience (below the 12 asked)" in m.explanation


def test_score_follows_the_documented_formula() -> None:
    opening = Opening("Engineer", "", ["Python", "Rust"], ["Redis", "Kafka"], 18)
    m = _match(factories.SOFTWARE_SENIOR, opening)
    similarity_credit = min(1.0, m.similarity / 0.4)
    expected = 100 * (0.55 * 0.5 + 0.15 * 0.5 + 0.15 * 0.5 + 0.15 * similarity_credit)
    assert m.score == round(expected)


def test_parts_that_do_not_apply_give_their_weight_to_the_rest() -> None:
    m = _match(factories.SOFTWARE_SENIOR, Opening("Engineer", "", ["Python", "Go"]))
    assert m.min_years is None and m.experience_ok is None
    similarity_credit = min(1.0, m.similarity / 0.4)
    assert m.score == round(100 * (0.55 + 0.15 * similarity_credit) / 0.70)


def test_unknown_skills_are_matched_literally_as_whole_words() -> None:
    text = "Jane Doe\nBuilt a Flux Capacitor tuning rig. Fluxes are fun."
    opening = Opening("Physicist", "", ["flux capacitor", "Flux", "Time Travel"])
    m = _match(text, opening)
    assert m.must_have_matched == ("flux capacitor", "Flux")
    assert m.must_have_missing == ("Time Travel",)


def test_must_haves_are_suggested_from_the_description_when_none_listed() -> None:
    opening = Opening("Support agent", "Customer service by phone and live chat using Zendesk.")
    m = _match(factories.SUPPORT, opening)
    assert m.must_have_suggested is True
    assert m.must_have_matched == ("Customer service", "Live chat", "Zendesk")
    assert m.must_have_missing == ()
    assert "taken from the description" in m.explanation


def test_missing_must_have_caps_the_band_at_good() -> None:
    assert _band(90, missing_must=False) == "strong"
    assert _band(90, missing_must=True) == "good"
    assert _band(75, missing_must=False) == "strong"
    assert _band(74, missing_must=False) == "good"
    assert _band(55, missing_must=False) == "good"
    assert _band(54, missing_must=False) == "partial"
    assert _band(35, missing_must=False) == "partial"
    assert _band(34, missing_must=False) == "weak"


def test_unknown_years_get_half_the_experience_credit() -> None:
    text = "Jane Doe\nSkills: Python"
    m = _match(text, Opening("Engineer", "", ["Python"], [], 5))
    assert m.years is None and m.experience_ok is None
    similarity_credit = min(1.0, m.similarity / 0.4)
    assert m.score == round(100 * (0.55 + 0.15 * 0.5 + 0.15 * similarity_credit) / 0.85)
    assert "Years of experience not found; the opening asks for 5." in m.explanation


def test_similarity_is_higher_for_the_matching_profession() -> None:
    opening = Opening("Registered Nurse", "ICU nurse: patient care, medication administration, "
                      "IV therapy, wound care, telemetry and patient education.")
    nurse = _match(factories.NURSE, opening).similarity
    others = [_match(text, opening).similarity for key, text in factories.RESUMES.items()
              if key != "nurse"]
    assert nurse > 0.3
    assert max(others) < 0.1
