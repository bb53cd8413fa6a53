"""Opening validation and skill suggestions."""

from __future__ import annotations

import pytest

from app.analysis import Opening, suggest_skills
from app.analysis.opening import suggest_min_years
from app.errors import InvalidInput


def test_title_is_required() -> None:
    for title in ("", "   ", None):
        with pytest.raises(InvalidInput) as caught:
            Opening(title=title, description="x")  # type: ignore[arg-type]
        assert "title" in caught.value.message


def test_skills_are_normalised_to_canonical_names_and_deduplicated() -> None:
    opening = Opening(
        title="  Backend   Engineer ",
        must_have=["golang", "python3", "Python", " postgres ", "Quantum Basket Weaving", ""],
        nice_to_have=["k8s", "PYTHON", "quantum basket weaving", "Terraform"],
        min_years="5",  # type: ignore[arg-type]
    )
    assert opening.title == "Backend Engineer"
    assert opening.must_have == ["Go", "Python", "PostgreSQL", "Quantum Basket Weaving"]
    # Nice-to-haves already required are dropped; unknown skills are kept as typed.
    assert opening.nice_to_have == ["Kubernetes", "Terraform"]
    assert opening.min_years == 5.0


def test_comma_separated_skills_are_accepted() -> None:
    assert Opening("Nurse", must_have="BLS, ACLS , cpr").must_have == ["BLS", "ACLS", "CPR"]  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 51, "many", float("nan")])
def test_min_years_must_be_a_sensible_number(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        Opening("Nurse", min_years=bad)  # type: ignore[arg-type]
    assert "minimum years" in caught.value.message


def test_skill_lists_must_be_lists_of_text() -> None:
    with pytest.raises(InvalidInput):
        Opening("Nurse", must_have=[1, 2])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        Opening("Nurse", must_have={"BLS": True})  # type: ignore[arg-type]


def test_round_trip_through_a_dict() -> None:
    opening = Opening("Nurse", "ICU nurse", ["BLS"], ["Epic"], 3)
    assert Opening.from_dict(opening.to_dict()) == opening
    assert opening.to_dict() == {"title": "Nurse", "description": "ICU nurse",
                                 "must_have": ["BLS"], "nice_to_have": ["Epic"], "min_years": 3.0}


def test_suggest_skills_from_a_description() -> None:
    description = (
        "We are hiring a warehouse associate. You will operate a forklift, handle shipping and "
        "receiving, and keep inventory accurate with RF scanners. Go-getters welcome!"
    )
    assert suggest_skills(description) == [
        "Forklift operation", "Shipping and receiving", "Inventory management", "RF scanning"]
    assert suggest_skills("") == []


@pytest.mark.parametrize(
    ("description", "years"),
    [
        ("3+ years of experience in payroll", 3.0),
        ("At least 5 years' experience. Minimum of 2 years of supervisory experience.", 2.0),
        ("2-4 years of accounting experience", 2.0),
        ("10 yrs exp in kitchens", 10.0),
        ("Experience with Python; a 3 year contract", None),
        ("", None),
    ],
)
def test_suggest_min_years(description: str, years: float | None) -> None:
    assert suggest_min_years(description) == years
