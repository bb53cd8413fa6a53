"""Documents the analysis tests generate for themselves: resumes and hostile files.

Resume texts stay within Latin-1 so the same text can be rendered with fpdf2's core fonts.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile

import docx
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

# --- Resumes, one per profession ----------------------------------------------------------

SOFTWARE_SENIOR = """Jane Doe
Senior Backend Engineer
jane.doe@example.com | +1 (555) 123-4567 | linkedin.com/in/janedoe | https://github.com/janedoe

Summary
Backend engineer with 9 years of experience building reliable services in Python and Go.

Experience
Acme Cloud - Senior Software Engineer, Jan 2019 - Present
- Designed microservices in Python and Go backed by PostgreSQL and Redis
- Ran everything on AWS with Docker, Kubernetes and Terraform; CI/CD with GitHub Actions
Beta Systems - Software Engineer, 2015 - 2018
- Built REST APIs in Django; wrote unit tests with pytest

Education
B.Sc. Computer Science, 2011 - 2015

Skills
Python, Go, PostgreSQL, Kubernetes, Docker, Terraform, AWS, Redis, Linux, Git
"""

SOFTWARE_JUNIOR = """Sam Lee
Software Developer
sam.lee@example.org | 555-987-6543

Experience
Startup Inc - Junior Developer, 06/2022 - Present
- Wrote Python services and SQL queries against PostgreSQL
- Helped with Docker images

Education
BS in Computer Science, 2018 - 2022

Skills
Python, JavaScript, PostgreSQL, Docker, Git
"""

NURSE = """MARIA GARCIA, RN
maria.garcia@example.com | +1 312 555 0142

Professional Summary
Registered Nurse with 6 years of experience in medical-surgical and critical care units.

Experience
Mercy Hospital - Registered Nurse, ICU, March 2018 - Present
- Patient care for up to 4 critical patients; medication administration and IV therapy
- Monitored vital signs and telemetry; wound care; patient education and discharge planning
- Charting in Epic; infection control lead
City Clinic - Nurse, Jan 2017 - Feb 2018

Education
Bachelor of Science in Nursing (BSN), 2012 - 2016

Licenses & Certifications
RN license, BLS, ACLS
"""

ACCOUNTANT = """Robert Chen
Staff Accountant
robert.chen@example.net | (646) 555-0199

Experience
Baker & Co - Staff Accountant, 2016 - 2020
- Accounts payable, accounts receivable and general ledger reconciliations
- Month-end close, financial reporting under GAAP, variance analysis
Delta Corp - Senior Accountant, 2020 - Present
- Budgeting and forecasting; payroll; audit preparation
- QuickBooks, SAP and advanced Excel (pivot tables, VLOOKUP)

Education
Bachelor of Accounting, 2012 - 2016
CPA

Skills
Bookkeeping, Bank reconciliation, Tax preparation, Excel
"""

SALES = """Olivia Brown
Account Executive
olivia.brown@example.com | +44 20 7946 0958

Experience
SaaSCo - Account Executive, May 2019 - Aug 2023
- B2B sales: prospecting, cold calling and lead generation; 140% quota attainment
- Managed the pipeline in Salesforce and HubSpot; negotiation and closing deals
Retail Group - Sales Associate, 2016 - 2019
- Retail sales, cash handling, upselling

Education
BA in Business, 2012 - 2016

Skills
CRM, Salesforce, Account management, Negotiation
"""

ELECTRICIAN = """Mike O'Neil
Journeyman Electrician
mike.oneil@example.com | 555.222.3344

Experience
Spark Electric - Electrician, 2012 - Present
- Electrical wiring and conduit bending for commercial electrical projects
- Blueprint reading, electrical troubleshooting, motor controls and PLC programming
- Lockout/tagout and OSHA 30 safety compliance; panel upgrades to the NEC
Apprentice Electrician, 2008 - 2012

Education
High School Diploma, 2008

Certifications
Journeyman license, OSHA 30, Forklift certified
"""

TEACHER = """Emily Watson
Primary School Teacher
emily.watson@example.com | +44 161 496 0000

Experience
Greenfield Primary School - Class Teacher, Sept 2015 - Present
- Lesson planning and curriculum development for Year 4
- Classroom management, differentiated instruction, student assessment
- Parent-teacher conferences; Google Classroom; safeguarding lead

Education
Bachelor of Education (B.Ed), 2011 - 2015
PGCE

Skills
Special education, IEP, Literacy, Phonics
"""

SUPPORT = """Carlos Diaz
Customer Support Agent
carlos.diaz@example.com | +34 612 345 678

Experience
HelpNow - Customer Support Agent, 01/2020 - Present
- Customer service by phone, email support and live chat in a call center
- Complaint handling and de-escalation; Zendesk ticketing system
- Kept CSAT above 95%; first call resolution
Shop - Cashier, 2018 - 2019
- Cash handling

Education
High School Diploma, 2017

Skills
Customer service, Zendesk, Active listening, Spanish, English
"""

WAREHOUSE = """Dwayne Johnson
Warehouse Associate
dwayne.j@example.com | 555-444-1212

Experience
FastShip Logistics - Warehouse Associate, 2014 - Present
- Forklift operation and pallet jack; order picking and pick and pack
- Shipping and receiving, inventory management, cycle counting with RF scanners
- Loading and unloading trucks; OSHA safety

Education
GED, 2012

Skills
Forklift, Inventory management, WMS, Material handling
"""

RESUMES = {
    "software_senior": SOFTWARE_SENIOR,
    "software_junior": SOFTWARE_JUNIOR,
    "nurse": NURSE,
    "accountant": ACCOUNTANT,
    "sales": SALES,
    "electrician": ELECTRICIAN,
    "teacher": TEACHER,
    "support": SUPPORT,
    "warehouse": WAREHOUSE,
}


# --- Document builders --------------------------------------------------------------------


def make_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.splitlines():
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(text: str, *, header: str | None = None) -> bytes:
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def encrypted_pdf(text: str = SOFTWARE_SENIOR, password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(text))))
    # RC4 needs no crypto library, so the fixture builds anywhere.
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def permissions_only_pdf(text: str = SOFTWARE_SENIOR) -> bytes:
    """Encrypted with an empty user password: opens without asking, like many real PDFs."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(text))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf(text: str = SOFTWARE_SENIOR) -> bytes:
    data = make_pdf(text)
    return data[: len(data) // 2]


def image_only_pdf() -> bytes:
    """A page with drawings and no text: what a scanner's PDF looks like to a parser."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(30, 30, 30)
    pdf.rect(20, 20, 170, 40, style="F")
    pdf.rect(20, 80, 120, 10, style="F")
    return bytes(pdf.output())


def many_pages_pdf(pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 10, f"Page marker {n} with enough letters to count as text")
    return bytes(pdf.output())


def zip_bomb(size_bytes: int = 200 * 1024 * 1024, name: str = "resume.txt") -> bytes:
    """One highly compressible entry, written in chunks so `size_bytes` is never in memory."""
    out = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(name, "w", force_zip64=True) as entry:
            for _ in range(size_bytes // len(chunk)):
                entry.write(chunk)
    return out.getvalue()


def lying_size_zip(real: bytes, declared_size: int, name: str = "resume.txt") -> bytes:
    """A ZIP whose headers declare a smaller uncompressed size than the entry really has."""
    data = bytearray(make_zip({name: real}))
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared_size)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared_size)
    return bytes(data)


def encrypted_entry_zip(name: str = "resume.txt", content: bytes = b"Jane Doe resume") -> bytes:
    """A ZIP whose entry is flagged as password-protected (the flag is what readers check)."""
    data = bytearray(make_zip({name: content}, compression=zipfile.ZIP_STORED))
    local = data.find(b"PK\x03\x04")
    data[local + 6] |= 0x1
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1
    return bytes(data)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>
"""


def replace_docx_part(data: bytes, part: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == part else source.read(info))
    return out.getvalue()


def xml_bomb_docx() -> bytes:
    return replace_docx_part(make_docx("Jane Doe"), "word/document.xml", BILLION_LAUGHS)


def utf16_xml_bomb_docx() -> bytes:
    """The same bomb re-encoded as UTF-16, which a bytes search for ASCII would miss."""
    xml = BILLION_LAUGHS.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return replace_docx_part(make_docx("Jane Doe"), "word/document.xml", xml.encode("utf-16"))


def random_bytes(n: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)
