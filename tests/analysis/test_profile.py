"""Profile: name, contacts, links, years, education and sections, with exact outcomes."""

from __future__ import annotations

from datetime import date

import pytest

from app.analysis import Link, Profile
from app.analysis.contacts import find_emails, find_links, find_phones
from app.analysis.education import education_level
from app.analysis.experience import years_of_experience
from app.analysis.names import find_name
from app.analysis.profile import build_profile
from app.analysis.roles import Role
from app.analysis.sections import find_sections

from . import factories
from .conftest import TODAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe\nSoftware Engineer", "Jane Doe"),
        ("JANE DOE\nEngineer", "Jane Doe"),
        ("MARIA GARCIA, RN\nmaria@example.com", "Maria Garcia"),
        ("Resume\n\nMike O'Neil\nElectrician", "Mike O'Neil"),
        ("Curriculum Vitae\nLudwig van Beethoven", "Ludwig van Beethoven"),
        ("jane@example.com | 555-123-4567\nJane Q. Porter", "Jane Q. Porter"),
        ("Name: Anna-Lena Schmidt\nBerlin", "Anna-Lena Schmidt"),
        ("José Álvarez | Madrid | jose@example.com", "José Álvarez"),
        ("Senior Software Engineer\nPython developer with 5 years", None),
        ("SUMMARY\nExperienced nurse", None),
    ],
)
def test_find_name(text: str, expected: str | None) -> None:
    assert find_name(text.splitlines()) == expected


def test_emails_are_found_lowercased_and_deduplicated() -> None:
    text = "Mail: Jane.Doe+cv@Example.co.uk, jane.doe+cv@example.co.uk; backup j_d@mail.example.org."
    assert find_emails(text) == ("jane.doe+cv@example.co.uk", "j_d@mail.example.org")


@pytest.mark.parametrize(
    "phone",
    ["+1 (555) 123-4567", "(555) 123-4567", "555-123-4567", "555.123.4567", "+44 20 7946 0958",
     "+49 30 1234567", "+33 1 23 45 67 89", "06 12 34 56 78", "020 7946 0958", "+353 1 234 5678",
     "+1-555-123-4567", "+61 2 9876 5432"],
)
def test_phone_formats(phone: str) -> None:
    assert find_phones(f"Phone: {phone} (mobile)") == (phone,)


@pytest.mark.parametrize(
    "text",
    ["Worked 2015 - 2018 and 2019-2021", "San Francisco, CA 94105-1234", "01/2022 - 03/2023",
     "Grew revenue 3.5x to 1,250,000", "Employee ID 1234", "May 2019 – Aug. 2020",
     "2015 2016 2017"],
)
def test_dates_postcodes_and_numbers_are_not_phones(text: str) -> None:
    assert find_phones(text) == ()


def test_links_by_kind() -> None:
    text = ("linkedin.com/in/jane-doe | https://github.com/janedoe, www.janedoe.dev. "
            "Also https://uk.linkedin.com/in/jane-doe/ and http://example.com/portfolio).")
    assert find_links(text) == (
        Link("linkedin", "https://linkedin.com/in/jane-doe"),
        Link("github", "https://github.com/janedoe"),
        Link("website", "https://www.janedoe.dev"),
        Link("linkedin", "https://uk.linkedin.com/in/jane-doe/"),
        Link("website", "http://example.com/portfolio"),
    )


def test_links_ignore_email_domains() -> None:
    assert find_links("jane@github.com and jane@www.example.com") == ()


def _years(text: str, today: date = TODAY) -> float | None:
    lines = text.splitlines()
    return years_of_experience(lines, find_sections(lines)[1], today=today)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme, May 2019 – Aug. 2020", 1.3),  # 16 months, both ends inclusive
        ("Acme, 01/2022 - Present", 2.5),  # Jan 2022 .. Jun 2024 = 30 months
        ("Acme, 2015 - 2018", 3.0),
        ("Acme, Sept 2018 to current", 5.8),  # Sep 2018 .. Jun 2024 = 70 months
        ("Acme, September 2018 – Now", 5.8),
        ("Acme, 2018 - 2018", 1.0),
        ("Acme, Jan 2020 — Dec 2020", 1.0),
        ("Acme, 03.2021 until 02.2022", 1.0),
        ("7+ years of experience in retail", 7.0),
        ("Over 12 years of hands-on industry experience", 12.0),
        ("Experience of 4.5 years in logistics", 4.5),
        ("No dates at all", None),
    ],
)
def test_years_from_one_statement(text: str, expected: float | None) -> None:
    assert _years(text) == expected


def test_overlapping_jobs_are_counted_once() -> None:
    text = "\n".join([
        "Experience",
        "Day job, Jan 2015 - Dec 2019",  # 60 months
        "Evening job, Jun 2016 - Jun 2018",  # inside the day job
        "Next job, Jun 2019 - Dec 2020",  # overlaps by 7 months: adds 12
    ])
    assert _years(text) == 6.0


def test_education_dates_are_not_work_experience() -> None:
    text = "Experience\nAcme, 2020 - 2022\nEducation\nBSc, 2012 - 2016\n"
    assert _years(text) == 2.0


def test_stated_total_wins_when_larger_than_dated_history() -> None:
    text = "Summary\n10+ years of experience\nExperience\nAcme, 2021 - 2023"
    assert _years(text) == 10.0


def test_present_is_relative_to_today() -> None:
    assert _years("Acme, Jan 2020 - Present", today=date(2021, 12, 31)) == 2.0
    assert _years("Acme, Jan 2020 - Present", today=date(2020, 6, 1)) == 0.5


def test_future_dates_are_cut_at_today() -> None:
    assert _years("Acme, Jan 2024 - Dec 2026") == 0.5


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("PhD in Chemistry", "doctorate"),
        ("Ph.D., Physics", "doctorate"),
        ("Doctor of Nursing Practice (DNP)", "doctorate"),
        ("MBA, Finance", "master"),
        ("M.Sc. Data Science", "master"),
        ("Master's degree in Education", "master"),
        ("MS in Computer Science", "master"),
        ("BSc (Hons) Accounting", "bachelor"),
        ("B.A. History", "bachelor"),
        ("BS in Nursing", "bachelor"),
        ("Bachelor of Education", "bachelor"),
        ("Associate of Applied Science", "associate"),
        ("Associate degree in Nursing", "associate"),
        ("High School Diploma", "high_school"),
        ("GED, 2012", "high_school"),
        ("A-levels: Maths, Physics", "high_school"),
        ("Master Electrician and Scrum Master", "none"),
        ("Sales Associate in Boston, MA; moved to Baltimore, MD", "none"),
        ("Flew BA to London", "none"),
        ("Nothing relevant", "none"),
        ("High School Diploma; BSc Biology; MSc Biology", "master"),
    ],
)
def test_education_level(text: str, level: str) -> None:
    assert education_level(text) == level


def test_sections_are_found_in_order() -> None:
    text = ("Jane Doe\nPROFESSIONAL SUMMARY\nx\nWork Experience:\nx\n## Education\nx\n"
            "Licenses & Certifications\nx\n• Projects\nx\nSkills: Python, SQL\nHobbies\nx")
    names, spans = find_sections(text.splitlines())
    assert names == ("summary", "experience", "education", "certifications", "projects",
                     "skills", "interests")
    # The inline "Skills: ..." label names a section but does not split the projects span.
    assert [(s.name, s.start_line, s.end_line) for s in spans] == [
        ("summary", 1, 3), ("experience", 3, 5), ("education", 5, 7),
        ("certifications", 7, 9), ("projects", 9, 12), ("interests", 12, 14)]


def test_sentences_are_not_headings() -> None:
    names, _ = find_sections(["Experience with Python and SQL", "Education is important"])
    assert names == ()


def test_full_profile_of_a_nurse() -> None:
    profile = build_profile(factories.NURSE, today=TODAY)
    assert profile == Profile(
        name="Maria Garcia",
        emails=("maria.garcia@example.com",),
        phones=("+1 312 555 0142",),
        links=(),
        skills=profile.skills,
        years=7.5,  # Jan 2017 .. Jun 2024, two adjacent jobs
        education="bachelor",
        sections=("summary", "experience", "education", "certifications"),
        roles=(Role("MARIA GARCIA, RN"),  # the headline
               Role("Mercy Hospital - Registered Nurse, ICU", 2018 * 12 + 2, 2024 * 12 + 6),
               Role("City Clinic - Nurse", 2017 * 12, 2018 * 12 + 2)),
    )
    assert profile.skills[:4] == ("RN license", "Critical care", "Patient care",
                                  "Medication administration")
    assert {"IV therapy", "BLS", "ACLS", "Epic", "Telemetry"} <= set(profile.skills)


def test_profile_round_trips_through_a_dict() -> None:
    profile = build_profile(factories.SOFTWARE_SENIOR, today=TODAY)
    assert Profile.from_dict(profile.to_dict()) == profile
    assert profile.links == (Link("linkedin", "https://linkedin.com/in/janedoe"),
                             Link("github", "https://github.com/janedoe"))
    assert profile.years == 9.0
