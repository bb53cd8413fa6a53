"""Scoring a resume against an opening: the parts, the skill gap, experience, band."""

from __future__ import annotations

import pytest

from app.analysis import Opening
from app.analysis.match import (
    BANDS,
    MUST_HAVE_PENALTY,
    UNKNOWN_YEARS_CREDIT,
    WEIGHTS,
    Match,
    _band,
)
from app.analysis.pipeline import analyze_text

from . import factories
from .conftest import TODAY

DEVOPS = """Alex Kim
DevOps Engineer
Experience
Acme Cloud - DevOps Engineer, Jan 2018 - Present
- Built Cl/CD pipelines in Jenkins; infrastructure on Amazon EC2 and S3 with Terraform
- Docker and Kubernetes clusters; monitoring with Prometheus
"""
GENERALIST = """Pat Jones
Software Engineer
Experience
Widgets Ltd - Software Engineer, Jan 2016 - Present
- Java and Python services, REST APIs, unit tests, code reviews
"""


def _match(text: str, opening: Opening) -> Match:
    return analyze_text(text, "cv.txt", opening, today=TODAY).match


def _parts(m: Match) -> dict[str, tuple[float, str]]:
    return {p.name: (p.credit, p.reason) for p in m.parts}


def test_weights_are_a_whole() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert [name for name, _ in BANDS] == ["strong", "good", "partial", "weak"]


def test_score_is_the_weighted_parts_times_the_must_have_factor() -> None:
    opening = Opening("Backend Engineer", "Python services", ["Python", "Go", "Terraform", "Rust"],
                      ["Redis", "Kafka"], 12)
    m = _match(factories.SOFTWARE_SENIOR, opening)
    assert [p.name for p in m.parts] == ["role", "skills", "experience", "wording"]
    raw = sum(p.weight * p.credit for p in m.parts)
    assert m.score == round(100 * raw * (1 - MUST_HAVE_PENALTY * 1 / 4))
    skills = _parts(m)["skills"]
    assert skills[0] == pytest.approx(0.7 * 3 / 4 + 0.3 * 1 / 2)
    assert skills[1] == "Has 3 of 4 must-haves; missing Rust. 1 of 2 nice-to-haves."


def test_skill_gap_and_experience() -> None:
    opening = Opening("Backend Engineer", "Python services", ["Python", "Go", "Terraform", "Rust"],
                      ["Redis", "Kafka"], 12)
    m = _match(factories.SOFTWARE_SENIOR, opening)
    assert m.must_have_matched == ("Python", "Go", "Terraform")
    assert m.must_have_missing == ("Rust",)
    assert m.nice_to_have_matched == ("Redis",)
    assert m.nice_to_have_missing == ("Apache Kafka",)  # typed "Kafka": stored canonical
    assert (m.years, m.min_years, m.experience_ok) == (9.0, 12.0, False)
    assert m.band == "good"  # a must-have is missing: never "strong"
    assert "missing Rust" in m.explanation
    assert _parts(m)["experience"][1] == "8.5 years in similar roles, 9 years in all (below the 12 asked)."


def test_parts_that_do_not_apply_give_their_weight_to_the_rest() -> None:
    m = _match(factories.SOFTWARE_SENIOR, Opening("Engineer", ""))
    assert [p.name for p in m.parts] == ["role", "skills", "experience", "wording"][:1] + [
        "experience", "wording"]
    total = WEIGHTS["role"] + WEIGHTS["experience"] + WEIGHTS["wording"]
    assert m.score == round(100 * sum(p.weight * p.credit for p in m.parts) / total)


def test_unknown_skills_are_matched_literally_as_whole_words() -> None:
    text = "Jane Doe\nBuilt a Flux Capacitor tuning rig. Fluxes are fun."
    opening = Opening("Physicist", "", ["flux capacitor", "Flux", "Time Travel"])
    m = _match(text, opening)
    assert m.must_have_matched == ("flux capacitor", "Flux")
    assert m.must_have_missing == ("Time Travel",)


def test_description_skills_are_nice_to_haves_never_must_haves() -> None:
    opening = Opening("Support agent", "Customer service by phone and live chat using Zendesk.")
    m = _match(factories.NURSE, opening)
    assert m.must_have_matched == m.must_have_missing == ()
    assert m.must_have_suggested is False
    assert m.nice_to_have_suggested is True
    assert m.nice_to_have_missing == ("Customer service", "Live chat", "Zendesk")
    assert _parts(m)["skills"][1] == "0 of 3 skills named in the description."
    hit = _match(factories.SUPPORT, opening)
    assert hit.nice_to_have_matched == ("Customer service", "Live chat", "Zendesk")


def test_an_experienced_nurse_is_not_marked_down_for_unchosen_must_haves() -> None:
    # The issue: with no must-haves picked, every description skill became one, and an
    # 8-year staff nurse scored 31 "Weak".
    opening = Opening("Registered Nurse", "ICU nurse: patient care, medication administration, "
                      "IV therapy, wound care, telemetry, patient education, Epic and Cerner.")
    m = _match(factories.NURSE, opening)
    assert m.must_have_missing == ()
    assert m.band == "strong"
    assert _parts(m)["role"] == (1.0, "Has been Registered Nurse (or similar) for 7.5 years.")


def test_a_missing_must_have_costs_visibly_but_keeps_a_strong_candidate_high() -> None:
    base = Opening("DevOps Engineer", "CI/CD, AWS, Terraform", ["CI/CD", "AWS", "Terraform"])
    gap = Opening("DevOps Engineer", "CI/CD, AWS, Terraform",
                  ["CI/CD", "AWS", "Terraform", "Ansible"])
    full, missing = _match(DEVOPS, base), _match(DEVOPS, gap)
    assert full.band == "strong" and missing.band == "good"
    assert missing.must_have_missing == ("Ansible",)
    assert 5 <= full.score - missing.score <= 20
    assert missing.score >= 80
    others = [_match(text, gap).score for key, text in factories.RESUMES.items()
              if key != "software_senior"]  # a senior engineer with Terraform and AWS
    assert missing.score > max(others) + 30


def test_skills_are_found_through_narrower_ones_and_text_layer_slips() -> None:
    opening = Opening("DevOps Engineer", "", ["CI/CD", "AWS", "Terraform", "Ansible"])
    m = _match(DEVOPS, opening)
    assert m.must_have_matched == ("CI/CD", "AWS", "Terraform")  # "Cl/CD", EC2 for AWS
    assert m.skill_evidence == {"AWS": "Amazon EC2"}
    jenkins_only = _match(DEVOPS.replace("Cl/CD pipelines in ", ""), opening)
    assert jenkins_only.skill_evidence == {"CI/CD": "Jenkins", "AWS": "Amazon EC2"}
    assert "CI/CD: found Jenkins" in _parts(jenkins_only)["skills"][1]


def test_the_devops_engineer_outranks_a_generalist_for_a_devops_opening() -> None:
    opening = Opening("DevOps Engineer", "CI/CD pipelines, AWS, Terraform, Kubernetes, "
                      "monitoring and automation.")
    devops, generalist = _match(DEVOPS, opening), _match(GENERALIST, opening)
    assert devops.score > generalist.score + 25
    assert devops.role_fit == 1.0 and generalist.role_fit < 0.5
    assert devops.relevant_years == 6.5


def test_unknown_years_get_a_fixed_experience_credit() -> None:
    m = _match("Jane Doe\nSkills: Python", Opening("Engineer", "", ["Python"], [], 5))
    assert m.years is None and m.experience_ok is None
    assert _parts(m)["experience"] == (UNKNOWN_YEARS_CREDIT,
                                       "Years of experience not found; the opening asks for 5.")


def test_reasons_carry_no_raw_numbers_from_similarity() -> None:
    opening = Opening("Staff Accountant", "General ledger, reconciliations, month-end close.")
    m = _match(factories.ACCOUNTANT, opening)
    wording = _parts(m)["wording"][1]
    assert wording.startswith("Uses ") and "0." not in wording
    assert "similarity" not in m.explanation


def test_missing_must_have_caps_the_band_at_good() -> None:
    assert _band(90, missing_must=False) == "strong"
    assert _band(90, missing_must=True) == "good"
    assert _band(75, missing_must=False) == "strong"
    assert _band(74, missing_must=False) == "good"
    assert _band(55, missing_must=False) == "good"
    assert _band(54, missing_must=False) == "partial"
    assert _band(35, missing_must=False) == "partial"
    assert _band(34, missing_must=False) == "weak"


def test_match_round_trips_through_a_dict() -> None:
    m = _match(DEVOPS, Opening("DevOps Engineer", "", ["CI/CD", "AWS"], [], 3))
    data = m.to_dict()
    assert Match.from_dict(data) == m
    assert [p["label"] for p in data["parts"]] == ["Role", "Skills", "Relevant experience",
                                                   "Wording"]
    old = {k: v for k, v in data.items() if k not in {"parts", "role", "role_fit",
                                                      "relevant_years", "skill_evidence"}}
    assert Match.from_dict(old).parts == ()  # results stored before parts existed still load
