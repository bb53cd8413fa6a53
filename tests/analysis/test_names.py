"""The person's name from the top of a resume: the right name or none (issue 21, part 5).

Each header is written the way real resumes come out of text extraction; every case names
the exact name expected, or None where a wrong name would be worse than none.
"""

from __future__ import annotations

import pytest
from fpdf import FPDF

from app.analysis.extract import extract_text
from app.analysis.names import find_name
from app.analysis.pipeline import read_profile

from . import factories


def name_of(text: str) -> str | None:
    return find_name(text.splitlines())


LINKEDIN_EXPORT = """Contact
priya.raman@example.com
www.linkedin.com/in/priyaraman (LinkedIn)
Top Skills
Kubernetes
Terraform
Ansible
Languages
English (Native or Bilingual)
Tamil (Native or Bilingual)
Certifications
Certified Kubernetes Administrator
Red Hat Certified Engineer
Priya Raman (She/Her)
Senior DevOps Engineer at Disney Experiences
Orlando, Florida, United States
Summary
I build platforms that let engineers ship safely.
Experience
Disney Experiences
Senior DevOps Engineer
March 2020 - Present (4 years 4 months)
Red Hat
Site Reliability Engineer
June 2016 - February 2020 (3 years 9 months)
Page 1 of 2
"""

SIDE_COLUMN_TEMPLATE = """CONTACT
+44 20 7946 0000
amelia.hughes@example.co.uk
SKILLS
Python
Power BI
Stakeholder Management
AMELIA HUGHES
Data Analyst
PROFILE
Analyst with six years in retail banking.
EXPERIENCE
Lloyds Banking Group, 2019 - Present
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Letter-spaced names, as PDF text extraction gives them.
        ("J O H N  S M I T H\nComputer Science\njohn.smith@example.com", "John Smith"),
        ("J o h n   S m i t h\nDevOps Engineer", "John Smith"),
        ("J o h n  S mi t h\nComputer Science", "John Smith"),
        ("M A R Y  O ' N E I L\nRegistered Nurse", "Mary O'Neil"),
        ("Computer Science\nJ O H N  S M I T H\n+1 555 123 4567", "John Smith"),
        # All caps, with particles, Mc and O' kept right.
        ("JOHN SMITH\nSenior Accountant", "John Smith"),
        ("MARY O'NEIL, RN\nmary.oneil@example.com", "Mary O'Neil"),
        ("JEAN-LUC PICARD\nFleet Captain", "Jean-Luc Picard"),
        ("LUDWIG VAN BEETHOVEN\nComposer and Pianist", "Ludwig van Beethoven"),
        ("MARIA DE LA CRUZ\nCashier", "Maria de la Cruz"),
        ("JAMES MCALLISTER\nElectrician", "James McAllister"),
        ("ZHANG WEI\nSoftware Engineer", "Zhang Wei"),
        ("JACK MA\nEntrepreneur", "Jack Ma"),
        # Mixed case is kept as written.
        ("Ludwig van Beethoven\nComposer", "Ludwig van Beethoven"),
        ("Nguyễn Văn An\nKế toán", "Nguyễn Văn An"),
        ("Иван Петров\nИнженер", "Иван Петров"),
        ("Keegan-Michael Key\nActor", "Keegan-Michael Key"),
        ("Grace Young\nTeacher", "Grace Young"),
        # Name line, then a title line; names no list knows, beside the contact details.
        ("Priya Raman\nSenior DevOps Engineer\npriya@example.com", "Priya Raman"),
        ("Oluwaseun Adeyemi\nLagos, Nigeria | +234 803 123 4567", "Oluwaseun Adeyemi"),
        ("Tendai Moyo\nHarare\ntendai.moyo@example.com", "Tendai Moyo"),
        # Contact details on the name's line.
        ("Jane Doe | jane@x.com | +1 555 123 4567", "Jane Doe"),
        ("Jane Doe  jane.doe@example.com  (555) 123-4567", "Jane Doe"),
        ("Jane Doe – Product Manager", "Jane Doe"),
        # Honorifics, credentials, pronouns and nicknames set aside; "Jr." kept.
        ("Dr. Amina Yusuf, PhD\nPaediatrician", "Amina Yusuf"),
        ("Robert \"Bob\" Stone, CPA, MBA\nController", "Robert Stone"),
        ("Priya Raman (she/her)\nEngineer", "Priya Raman"),
        ("Martin Luther King Jr.\nPastor", "Martin Luther King Jr."),
        # A document heading first.
        ("Curriculum Vitae\nSøren Kierkegaard\nCopenhagen", "Søren Kierkegaard"),
        ("RESUME\n\nJANE DOE\n555-123-4567", "Jane Doe"),
        ("Résumé\nMike O'Neil\nElectrician", "Mike O'Neil"),
        # A labelled name.
        ("Personal Details\nName: Anna-Lena Schmidt\nBorn: 1990", "Anna-Lena Schmidt"),
        # A name set on two lines.
        ("LISA\nPHINNEY\nOperations Associate", "Lisa Phinney"),
        # Side columns first: LinkedIn's export, and a two-column template.
        (LINKEDIN_EXPORT, "Priya Raman"),
        (SIDE_COLUMN_TEMPLATE, "Amelia Hughes"),
    ],
)
def test_the_name_is_read(text: str, expected: str | None) -> None:
    assert name_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # An employer first (the name missing or unreadable).
        "Red Hat\nSenior DevOps Engineer\nRaleigh, NC",
        "Disney Experiences\nSoftware Engineer",
        "Morgan Stanley\nVice President\nExperience\nMorgan Stanley, New York, 2015 - 2020",
        "Acme Solutions Inc.\nWarehouse Associate",
        # A degree or a field of study first.
        "Computer Science\nBachelor of Science, 2018",
        "BACHELOR OF SCIENCE IN NURSING\nRegistered Nurse",
        "Business Administration\nMBA, 2016",
        # A job title first, as in resumes without a personal name.
        "ACCOUNTANT\nSummary\nResults-oriented accountant with four years of experience.",
        "HR ADMINISTRATOR\nProfessional Summary\nHR generalist.",
        "SALES ASSOCIATE\nSkill Highlights\nMicrosoft Office\nCustomer Service",
        "Sushi Chef\nExperience\nNobu, 2019 - Present",
        "Yoga Instructor",
        "Key Holder\nSummary",
        "Senior Software Engineer\nPython developer with 5 years",
        # Headings, labels and placeholders.
        "Core Qualifications\nBudgeting",
        "Career Overview\nCareer Focus",
        "Company Name\nCity, State",
        "Personal Information\nDate of birth: 01/01/1990",
        "SUMMARY\nExperienced nurse",
        # Places.
        "San Diego, CA\nsales@example.com",
        "Palo Alto, CA\nEngineer",
        "North Carolina\nTeacher",
        # A real name, but in the body, not at the top.
        "TEACHER ASSISTANT\nSummary\n\"Ability plus opportunity equals responsibility.\"\n"
        "Clyde Muse",
        "Software Engineer\nSummary\nBuilds things.\nReferences\nJohn Smith, john@example.com",
        # Lower case or one word: not sure enough.
        "jane doe\nnurse",
        "Madonna\nSinger",
        # Nothing at all.
        "",
        "\n\n   \n",
    ],
)
def test_no_name_rather_than_a_wrong_one(text: str) -> None:
    assert name_of(text) is None


def test_a_name_from_docx_and_pdf_made_here() -> None:
    header = "JEAN-LUC PICARD\nStarship Captain\njl.picard@example.com | +1 555 010 1701\n"
    _, from_docx = read_profile(factories.make_docx(header + factories.SOFTWARE_JUNIOR))
    assert from_docx.name == "Jean-Luc Picard"
    _, from_pdf = read_profile(factories.make_pdf(factories.NURSE))
    assert from_pdf.name == "Maria Garcia"


def test_a_letter_spaced_name_in_a_pdf() -> None:
    """Each letter placed on its own, as designers' templates do: the degree below the
    name used to be taken for it."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=20)
    x = 10.0
    for ch in "John Smith":
        pdf.text(x, 20, ch)
        x += 10.0 if ch == " " else 6.0
    pdf.set_font("Helvetica", size=10)
    pdf.text(10, 30, "Computer Science")
    pdf.text(10, 36, "john.smith@example.com")
    text = extract_text(bytes(pdf.output()))
    assert "Computer Science" in text  # whatever spacing the extractor gives the name
    assert name_of(text) == "John Smith"


def test_factory_resumes_keep_their_names() -> None:
    assert {key: name_of(text) for key, text in factories.RESUMES.items()} == {
        "software_senior": "Jane Doe", "software_junior": "Sam Lee", "nurse": "Maria Garcia",
        "accountant": "Robert Chen", "sales": "Olivia Brown", "electrician": "Mike O'Neil",
        "teacher": "Emily Watson", "support": "Carlos Diaz", "warehouse": "Dwayne Johnson",
    }
