"""Ranking quality on labelled resumes: `python -m app.analysis.quality`.

    python -m app.analysis.quality [--corpus DIR] [--openings FILE] [--json]
                                   [--limit-per-category N] [--cache DIR] [--jobs N]

The corpus is `resumes/CATEGORY/*.pdf` plus `openings.json` (one opening, title and
description, per category); by default `../shared/corpus` next to the repository. For each
opening every resume is ranked; the resumes of the opening's own category are the relevant
ones. Prints mean average precision (MAP), precision at 5 and nDCG at 10 for Shortlist and,
on the same extracted text in the same run, for two baselines: TF-IDF cosine
(scikit-learn, English stop words, sublinear tf) and Okapi BM25 (rank-bm25); then MAP per
opening and Shortlist's scoring speed from text (profile + match, one core).

Each file is read once with Shortlist's own extraction; the text is cached on disk, keyed
by the file's hash and the extractor's version, so later runs skip the slow PDF parsing.
The baselines are dev dependencies (`pip install -e '.[dev]'`); without them their rows
say so and Shortlist is still measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.analysis.errors import ShortlistError

from .extract import extract_text
from .match import match_profile
from .opening import Opening
from .profile import build_profile
from .taxonomy import default_taxonomy
from .text import normalise, tokenize

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEFAULT_CACHE = REPO_ROOT / "data" / "quality-cache"
TODAY = date(2024, 6, 15)  # fixed, so years of experience (and scores) do not drift
SPEED_SAMPLE = 200  # resumes timed for the speed figure
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def extractor_version() -> str:
    """Changes whenever the extraction code or the PDF library changes."""
    import inspect

    import pypdfium2

    from . import extract, markup, text, word

    digest = hashlib.sha256(str(pypdfium2.version.PDFIUM_INFO).encode())
    for module in (extract, markup, word):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(inspect.getsource(text.clean).encode())  # the rest of text.py is matching
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Resume:
    category: str
    file: str  # relative to the corpus's resumes/ folder
    text: str


@dataclass
class Corpus:
    resumes: list[Resume]
    openings: dict[str, Opening]  # by category
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def _extract_one(path: str) -> tuple[str, str | None, str | None]:
    try:
        return path, extract_text(Path(path).read_bytes(), time_limit_s=60.0), None
    except ShortlistError as exc:
        return path, None, exc.message


def load_corpus(
    corpus: Path,
    openings_file: Path | None = None,
    *,
    limit_per_category: int | None = None,
    categories: Sequence[str] | None = None,
    cache: Path | None = DEFAULT_CACHE,
    jobs: int = 1,
) -> Corpus:
    """Read the openings and the resumes' text (from the cache when it has them)."""
    raw = json.loads((openings_file or corpus / "openings.json").read_text(encoding="utf-8"))
    openings = {cat: Opening.from_dict(value) for cat, value in raw.items()}
    wanted = [c for c in sorted(openings) if categories is None or c in categories]
    paths: list[tuple[str, Path]] = []
    for category in wanted:
        files = sorted((corpus / "resumes" / category).glob("*"), key=lambda p: p.name)
        files = [p for p in files if p.is_file()]
        paths += [(category, p) for p in files[:limit_per_category]]
    version = extractor_version()
    texts: dict[Path, str] = {}
    keys: dict[Path, Path] = {}
    skipped: list[tuple[str, str]] = []
    todo: list[Path] = []
    for _, path in paths:
        key = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        cached = cache / version / f"{key}.txt" if cache else None
        if cached is not None and cached.is_file():
            texts[path] = cached.read_text(encoding="utf-8")
        elif cached is not None and cached.with_suffix(".error").is_file():
            reason = cached.with_suffix(".error").read_text(encoding="utf-8")
            skipped.append((str(path.relative_to(corpus / "resumes")), reason))
        else:
            todo.append(path)
            if cached is not None:
                keys[path] = cached
    if todo:
        print(f"extracting {len(todo)} files ({jobs} process(es)); cached afterwards",
              file=sys.stderr)
        results: Any
        if jobs > 1:
            pool = ProcessPoolExecutor(jobs)
            results = pool.map(_extract_one, [str(p) for p in todo], chunksize=4)
        else:
            pool, results = None, map(_extract_one, [str(p) for p in todo])
        for path_text, text, error in results:
            path = Path(path_text)
            if text is None:
                skipped.append((str(path.relative_to(corpus / "resumes")), error or "?"))
                if path in keys:
                    keys[path].parent.mkdir(parents=True, exist_ok=True)
                    keys[path].with_suffix(".error").write_text(error or "?", encoding="utf-8")
                continue
            texts[path] = text
            if path in keys:
                keys[path].parent.mkdir(parents=True, exist_ok=True)
                keys[path].write_text(text, encoding="utf-8")
        if pool is not None:
            pool.shutdown()
    resumes = [Resume(category, str(path.relative_to(corpus / "resumes")), texts[path])
               for category, path in paths if path in texts]
    return Corpus(resumes, {c: openings[c] for c in wanted}, skipped)


# --- Rankers: each returns, per opening, one relevance figure per resume ------------------

Ranker = Callable[[Corpus], dict[str, list[tuple[float, ...]]]]


def shortlist_scores(corpus: Corpus) -> dict[str, list[tuple[float, ...]]]:
    """Shortlist's score, with the report's tie-breakers (fewer must-haves missing, more
    years): the order a recruiter sees."""
    taxonomy = default_taxonomy()
    prepared = []
    for resume in corpus.resumes:
        tokens = tokenize(normalise(resume.text))
        prepared.append((build_profile(resume.text, today=TODAY, tokens=tokens,
                                       taxonomy=taxonomy), tokens))
    keys: dict[str, list[tuple[float, ...]]] = {c: [] for c in corpus.openings}
    for profile, tokens in prepared:
        for category, opening in corpus.openings.items():
            m = match_profile(profile, tokens, opening, taxonomy=taxonomy)
            keys[category].append((m.score, -len(m.must_have_missing), m.years or 0.0))
    return keys


def _query(opening: Opening) -> str:
    return " ".join([opening.title, opening.description, *opening.must_have,
                     *opening.nice_to_have])


def tfidf_scores(corpus: Corpus) -> dict[str, list[tuple[float, ...]]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    matrix = vectorizer.fit_transform([r.text for r in corpus.resumes])
    result = {}
    for category, opening in corpus.openings.items():
        query = vectorizer.transform([_query(opening)])
        result[category] = [(float(v),) for v in (matrix @ query.T).toarray().ravel()]
    return result


def bm25_scores(corpus: Corpus) -> dict[str, list[tuple[float, ...]]]:
    from rank_bm25 import BM25Okapi
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    def words(text: str) -> list[str]:
        return [w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]

    bm25 = BM25Okapi([words(r.text) for r in corpus.resumes])
    return {category: [(float(v),) for v in bm25.get_scores(words(_query(opening)))]
            for category, opening in corpus.openings.items()}


SYSTEMS: dict[str, tuple[Ranker, str | None]] = {
    "Shortlist": (shortlist_scores, None),
    "TF-IDF": (tfidf_scores, "scikit-learn"),
    "BM25": (bm25_scores, "rank-bm25 (and scikit-learn for its stop words)"),
}


# --- Metrics -----------------------------------------------------------------------------

def ranking(keys: list[tuple[float, ...]], files: list[str]) -> list[int]:
    """Indices, best first; ties broken by file name (never by corpus order)."""
    return sorted(range(len(keys)), key=lambda i: (tuple(-k for k in keys[i]), files[i]))


def average_precision(relevant: list[bool]) -> float:
    total = sum(relevant)
    if not total:
        return 0.0
    hits, summed = 0, 0.0
    for rank, rel in enumerate(relevant, start=1):
        if rel:
            hits += 1
            summed += hits / rank
    return summed / total


def precision_at(relevant: list[bool], k: int) -> float:
    return sum(relevant[:k]) / k


def ndcg_at(relevant: list[bool], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant[:k]) if rel)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, sum(relevant))))
    return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class Figures:
    map: float
    p5: float
    ndcg10: float
    per_opening: dict[str, float]  # average precision by category

    def to_dict(self) -> dict[str, Any]:
        return {"map": round(self.map, 4), "p@5": round(self.p5, 4),
                "ndcg@10": round(self.ndcg10, 4),
                "per_opening": {c: round(v, 4) for c, v in self.per_opening.items()}}


def evaluate(corpus: Corpus, keys: dict[str, list[tuple[float, ...]]]) -> Figures:
    files = [r.file for r in corpus.resumes]
    aps, p5s, ndcgs = {}, [], []
    for category in corpus.openings:
        order = ranking(keys[category], files)
        relevant = [corpus.resumes[i].category == category for i in order]
        aps[category] = average_precision(relevant)
        p5s.append(precision_at(relevant, 5))
        ndcgs.append(ndcg_at(relevant, 10))
    n = len(corpus.openings) or 1
    return Figures(sum(aps.values()) / n, sum(p5s) / n, sum(ndcgs) / n, aps)


def scoring_speed(corpus: Corpus, sample: int = SPEED_SAMPLE) -> float:
    """Resumes per second of CPU time (so other load on the machine does not count),
    profile + match from text, one opening, this process."""
    taxonomy = default_taxonomy()
    texts = [r.text for r in corpus.resumes[:sample]]
    if not texts:
        return 0.0
    opening = next(iter(corpus.openings.values()))
    started = time.process_time()
    for text in texts:
        tokens = tokenize(normalise(text))
        profile = build_profile(text, today=TODAY, tokens=tokens, taxonomy=taxonomy)
        match_profile(profile, tokens, opening, taxonomy=taxonomy)
    return len(texts) / (time.process_time() - started)


def run(corpus: Corpus, systems: Sequence[str] = tuple(SYSTEMS)) -> dict[str, Any]:
    """Figures per system (or the reason a system could not run), and the speed."""
    results: dict[str, Any] = {}
    for name in systems:
        ranker, needs = SYSTEMS[name]
        try:
            keys = ranker(corpus)
        except ImportError as exc:
            results[name] = {"missing": f"needs {needs}: pip install -e '.[dev]' ({exc.name})"}
            continue
        results[name] = evaluate(corpus, keys).to_dict()
        if name == "Shortlist":
            results[name]["other_deciles"] = other_deciles(corpus, keys)
    return {"resumes": len(corpus.resumes), "openings": len(corpus.openings),
            "skipped": corpus.skipped, "systems": results,
            "resumes_per_second": round(scoring_speed(corpus), 1)}


def other_deciles(corpus: Corpus, keys: dict[str, list[tuple[float, ...]]]) -> list[int]:
    """The deciles of Shortlist's scores for resumes of other professions than the
    opening's: how spread out the bottom of a shortlist is (bunched scores tell nothing)."""
    scores = [k[0] for category, ks in keys.items()
              for resume, k in zip(corpus.resumes, ks) if resume.category != category]
    if len(scores) < 2:
        return []
    return [round(q) for q in statistics.quantiles(scores, n=10)]


def format_report(report: dict[str, Any]) -> str:
    systems = report["systems"]
    lines = [f"{report['resumes']} resumes, {report['openings']} openings"
             + (f", {len(report['skipped'])} files unreadable" if report["skipped"] else ""),
             "", f"{'system':<10} {'MAP':>6} {'P@5':>6} {'nDCG@10':>8}"]
    for name, fig in systems.items():
        if "missing" in fig:
            lines.append(f"{name:<10} not run: {fig['missing']}")
        else:
            lines.append(f"{name:<10} {fig['map']:>6.3f} {fig['p@5']:>6.3f} {fig['ndcg@10']:>8.3f}")
    ran = [n for n, f in systems.items() if "missing" not in f]
    lines += ["", "MAP per opening:", f"{'opening':<24}" + "".join(f"{n:>10}" for n in ran)]
    first = systems[ran[0]]["per_opening"] if ran else {}
    for category in first:
        lines.append(f"{category:<24}"
                     + "".join(f"{systems[n]['per_opening'][category]:>10.3f}" for n in ran))
    baselines = [systems[n]["map"] for n in ran if n != "Shortlist"]
    if "Shortlist" in ran and baselines:
        lines += ["", f"Shortlist MAP / best baseline: "
                      f"{systems['Shortlist']['map'] / max(baselines):.2f}x"]
    deciles = systems.get("Shortlist", {}).get("other_deciles")
    if deciles:
        lines.append("Shortlist's scores of other professions' resumes, deciles: "
                     + ", ".join(map(str, deciles)))
    lines.append(f"Scoring speed: {report['resumes_per_second']:.0f} resumes/s from text "
                 "(profile + match, one core)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--openings", type=Path, default=None,
                        help="openings JSON (default CORPUS/openings.json)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--limit-per-category", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help=f"extracted-text cache (default {DEFAULT_CACHE})")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--jobs", type=int, default=1, help="extraction processes")
    args = parser.parse_args(argv)
    if not (args.corpus / "resumes").is_dir():
        print(f"No corpus at {args.corpus} (expected resumes/CATEGORY/*.pdf).", file=sys.stderr)
        return 2
    corpus = load_corpus(args.corpus, args.openings, limit_per_category=args.limit_per_category,
                         cache=None if args.no_cache else args.cache, jobs=args.jobs)
    report = run(corpus)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
