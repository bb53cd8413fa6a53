"""Throughput of resume analysis: `python -m app.analysis.bench [--corpus DIR] [--files N]`.

By default it reads the real resume PDFs of the labelled corpus (`../shared/corpus` beside
the repository) and times, file by file in one process: bare PDFium text extraction (the
ceiling: open, each page's text, close), Shortlist's extraction (PDFium plus the spaces
such PDFs do not draw, sniffing, limits), the profile and the match. It prints ms per
phase, resumes/s, and the analysis's rate as a share of bare extraction's.

`--generated N` times N generated resumes instead (text, Word and PDF, per type); their
PDFs (fpdf2, a dev dependency) are much lighter than real ones. Not a test: figures depend
on the machine.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import docx

from .extract import PDFIUM_LOCK, read_document
from .match import match_profile
from .opening import Opening
from .pipeline import analyze_text
from .profile import build_profile
from .taxonomy import default_taxonomy
from .text import normalise, tokenize

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
OPENING = Opening("Software Engineer", "Python, Go, PostgreSQL and Kubernetes services.",
                  ["Python", "Go", "PostgreSQL", "Kubernetes"], ["Docker"], 3)

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
    opening = OPENING
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


def bare_pdfium(data: bytes) -> str:
    """The ceiling: PDFium's own text of every page, nothing else."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)
        try:
            texts = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return "\n\n".join(texts)
        finally:
            document.close()


def run_corpus(corpus: Path, files: int) -> dict[str, float]:
    """Mean ms per file of each phase over the corpus's first `files` PDFs (sorted)."""
    default_taxonomy()  # compile once, outside the timings
    paths = sorted(corpus.glob("resumes/*/*.pdf"))[:files]
    if not paths:
        raise SystemExit(f"No PDFs under {corpus}/resumes: pass --corpus DIR or --generated N.")
    phases: dict[str, float] = defaultdict(float)
    read = 0
    for path in paths:
        data = path.read_bytes()
        t0 = time.perf_counter()
        bare_pdfium(data)
        t1 = time.perf_counter()
        try:
            _, text = read_document(data)
        except Exception:  # noqa: BLE001  (a file that cannot be read counts for the ceiling only)
            phases["bare"] += t1 - t0
            continue
        t2 = time.perf_counter()
        tokens = tokenize(normalise(text))
        profile = build_profile(text, tokens=tokens, today=date(2026, 12, 7))
        t3 = time.perf_counter()
        match_profile(profile, tokens, OPENING)
        t4 = time.perf_counter()
        read += 1
        for name, seconds in (("bare", t1 - t0), ("extraction", t2 - t1), ("profile", t3 - t2),
                              ("match", t4 - t3)):
            phases[name] += seconds
    figures = {name: 1000 * total / max(read, 1) for name, total in phases.items()}
    figures["files"] = read
    return figures


def print_corpus(figures: dict[str, float]) -> None:
    analysis_ms = figures["extraction"] + figures["profile"] + figures["match"]
    print(f"{int(figures['files'])} real resume PDFs, one process")
    print(f"{'phase':<28} {'ms per file':>12}")
    for label, key in (("bare PDFium extraction", "bare"), ("Shortlist's extraction", "extraction"),
                       ("profile", "profile"), ("match", "match")):
        print(f"{label:<28} {figures[key]:>12.2f}")
    print(f"{'analysis (all three)':<28} {analysis_ms:>12.2f}")
    print(f"bare PDFium: {1000 / figures['bare']:.1f} files/s; analysis: {1000 / analysis_ms:.1f}"
          f" resumes/s = {figures['bare'] / analysis_ms:.2f} of bare PDFium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--files", type=int, default=100, help="PDFs of the corpus (default 100)")
    parser.add_argument("--generated", type=int, default=0, metavar="N",
                        help="time N generated resumes instead of the corpus")
    args = parser.parse_args()
    if args.generated:
        run(args.generated)
    else:
        print_corpus(run_corpus(args.corpus, args.files))


if __name__ == "__main__":
    main()
