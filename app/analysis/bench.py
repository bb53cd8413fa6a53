"""Throughput of extraction and scoring: `python -m app.analysis.bench [--n N]`.

Generates N varied resumes in memory (plain text, Word and PDF, across professions), then
times extraction and scoring (profile + match) separately, per document type. Not a test:
figures depend on the machine. PDF generation needs fpdf2 (a dev dependency); without it
the PDF share is skipped.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections import defaultdict
from datetime import date

import docx

from .extract import read_document
from .opening import Opening
from .pipeline import analyze_text
from .taxonomy import default_taxonomy

PROFESSIONS = {
    "software_it": "Software Engineer",
    "healthcare": "Registered Nurse",
    "finance_accounting": "Accountant",
    "sales_marketing": "Sales Representative",
    "trades": "Electrician",
    "education": "Teacher",
    "customer_service": "Customer Support Agent",
    "logistics": "Warehouse Associate",
    "office_admin": "Office Administrator",
}
_FIRST = "Jane Sam Maria Robert Olivia Mike Emily Carlos Dwayne Aisha Chen Lars Priya".split()
_LAST = "Doe Lee Garcia Chen Brown O'Neil Watson Diaz Johnson Khan Wang Berg Patel".split()
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
        return True
    except UnicodeEncodeError:
        return False


def make_resume(rng: random.Random, category: str) -> str:
    skills = [s.name for s in default_taxonomy().skills if s.category == category and _latin1(s.name)]
    mine = rng.sample(skills, min(14, len(skills)))
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    lines = [name, PROFESSIONS[category],
             f"{name.split()[0].lower()}@example.com | +1 555 {rng.randint(100, 999)} "
             f"{rng.randint(1000, 9999)}", "", "Summary",
             f"{PROFESSIONS[category]} with {rng.randint(2, 15)}+ years of experience in "
             f"{', '.join(mine[:3])}.", "", "Experience"]
    year = 2024
    for job in range(rng.randint(2, 4)):
        start = year - rng.randint(1, 5)
        end = "Present" if job == 0 else f"{rng.choice(_MONTHS)} {year}"
        lines.append(f"Company {job + 1} - {PROFESSIONS[category]}, "
                     f"{rng.choice(_MONTHS)} {start} - {end}")
        for skill in rng.sample(mine, 3):
            lines.append(f"- Delivered results using {skill} for internal and external "
                         "customers, improving quality and turnaround time.")
        year = start
    lines += ["", "Education", f"Bachelor of Science, {year - 4} - {year}", "", "Skills",
              ", ".join(mine)]
    return "\n".join(lines)


def to_docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(text: str) -> bytes | None:
    try:
        from fpdf import FPDF
    except ImportError:  # pragma: no cover - fpdf2 is a dev dependency
        return None
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.splitlines():
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def generate(n: int, seed: int = 1) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    categories = list(PROFESSIONS)
    documents: list[tuple[str, bytes]] = []
    for i in range(n):
        text = make_resume(rng, categories[i % len(categories)])
        kind = ("text", "docx", "pdf")[i % 3]
        data = text.encode() if kind == "text" else to_docx(text) if kind == "docx" else to_pdf(text)
        if data is not None:
            documents.append((kind, data))
    return documents


def run(n: int) -> None:
    default_taxonomy()  # compile once, outside the timings
    started = time.perf_counter()
    documents = generate(n)
    print(f"generated {len(documents)} resumes in {time.perf_counter() - started:.1f} s")
    opening = Opening("Software Engineer", "Python, Go, PostgreSQL and Kubernetes services.",
                      ["Python", "Go", "PostgreSQL", "Kubernetes"], ["Docker"], 3)
    timings: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for i, (kind, data) in enumerate(documents):
        t0 = time.perf_counter()
        _, text = read_document(data)
        t1 = time.perf_counter()
        analyze_text(text, f"resume-{i}", opening, kind=kind, today=date(2024, 6, 15))
        t2 = time.perf_counter()
        timings[kind].append((t1 - t0, t2 - t1))
    print(f"{'type':<6} {'count':>5} {'extract ms':>11} {'score ms':>9} {'total ms':>9} "
          f"{'resumes/s':>10}")
    everything = [t for kind in timings for t in timings[kind]]
    for kind, rows in [*sorted(timings.items()), ("all", everything)]:
        extract_ms = 1000 * sum(r[0] for r in rows) / len(rows)
        score_ms = 1000 * sum(r[1] for r in rows) / len(rows)
        total = extract_ms + score_ms
        print(f"{kind:<6} {len(rows):>5} {extract_ms:>11.2f} {score_ms:>9.2f} {total:>9.2f} "
              f"{1000 / total:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="number of resumes (default 300)")
    run(parser.parse_args().n)


if __name__ == "__main__":
    main()
