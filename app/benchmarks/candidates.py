"""`python -m app.benchmarks.candidates`: the candidate pool's search, timed at 100,000
candidates of one recruiter.

It creates a database of its own next to DATABASE_URL's (`<name>_candidates_bench`, dropped
at the end unless --keep), fills one recruiter's pool by COPY: names from the name lists
(app/analysis/data/names.json), skills from the taxonomy and, for the text, a 1,000
character window of a real resume from the corpus (its first --corpus-files PDFs read with
app.analysis), as app.engine.pool writes them. Then it times
app.recruiting.candidates.search, the service the API and the page call, for queries of
each kind (a first page, a name, an email, a skill, two words of resume text, a rare
word, the next page): p50 and p95 over --repeats different queries each.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from app import migrate
from app.accounts import users
from app.db import build_engine, set_engine
from app.models import utcnow
from app.recruiting import candidates
from app.settings import get_settings

DATA = Path(__file__).resolve().parents[1] / "analysis" / "data"
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
GOAL_P95_MS = 200.0


def _texts(corpus: Path, files: int) -> list[str]:
    from app.analysis.extract import read

    texts = []
    for path in sorted(corpus.rglob("*.pdf"))[:files]:
        try:
            texts.append(read(path.read_bytes(), name=path.name).text)
        except Exception:  # noqa: BLE001  (an unreadable file is left out)
            continue
    if not texts:
        raise SystemExit(f"No readable PDF resumes under {corpus}: pass --corpus DIR.")
    return texts


def _fill(url: str, owner_id: int, n: int, texts: list[str], rng: random.Random) -> None:
    names = json.loads((DATA / "names.json").read_text())
    given, family = names["given"].split()[:20_000], names["family"].split()
    skills = [s["name"] for s in json.loads((DATA / "skills.json").read_text())["skills"]]
    now = utcnow()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY candidate (owner_id, name, email, phone, years, skills,"
                      " fingerprint, latest_file, search_doc, created_at, updated_at)"
                      " FROM STDIN") as copy:
            for i in range(n):
                first, last = rng.choice(given).title(), rng.choice(family).title()
                email = f"{first}.{last}{i}@mail.test".lower()
                phone = f"+1 415 {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}"
                mine = rng.sample(skills, rng.randrange(3, 15))
                text = rng.choice(texts)
                start = rng.randrange(0, max(1, len(text) - 1_000))
                doc = " ".join([f"{first} {last}", email, phone, *mine,
                                text[start:start + 1_000]]).casefold().replace("\x00", "")
                when = now - timedelta(minutes=i)
                copy.write_row((owner_id, f"{first} {last}", email, phone,
                                round(rng.uniform(0, 30), 1), json.dumps(mine), "{}",
                                f"resume-{i}.pdf", doc, when, when))
        cur.execute("ANALYZE candidate")


def _time(call: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.benchmarks.candidates")
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--corpus-files", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    if settings.dialect != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server: the bench measures it.")
    base = make_url(settings.sqlalchemy_url)
    name = f"{base.database}_candidates_bench"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    bench_url = base.set(database=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        engine = build_engine(settings.model_copy(update={
            "database_url": bench_url.render_as_string(hide_password=False)}))
        set_engine(engine)
        migrate.upgrade(engine)
        owner = users.create_user("pool-bench@example.com", "a-good-password")
        rng = random.Random(7)
        texts = _texts(args.corpus, args.corpus_files)
        started = time.perf_counter()
        _fill(bench_url.set(drivername="postgresql").render_as_string(hide_password=False),
              owner.id, args.candidates, texts, rng)
        print(f"{args.candidates:,} candidates of one recruiter"
              f" (filled in {time.perf_counter() - started:.0f} s, texts from"
              f" {len(texts)} corpus resumes)")
        pool = candidates.search(owner, limit=100).rows
        counts = Counter(w for t in texts for w in t.casefold().split()
                         if w.isalpha() and len(w) > 4)
        common = [w for w, _ in counts.most_common(200)]
        rare = sorted(w for w, n in counts.items() if n == 1)[:500] or common
        skills = [s for row in pool for s in row.skills]
        first_page = candidates.search(owner, limit=25)
        kinds: dict[str, Callable[[], str | None]] = {
            "first page, no query": lambda: None,
            "a name": lambda: rng.choice(pool).name.split()[-1],
            "an email": lambda: (rng.choice(pool).email or "x").split("@")[0],
            "a skill": lambda: rng.choice(skills),
            "two words of resume text": lambda: " ".join(rng.sample(common, 2)),
            "a rare word": lambda: rng.choice(rare),
        }
        print(f"{'query':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        worst = 0.0
        for label, make in kinds.items():
            times = _time(lambda make=make: candidates.search(owner, make(), limit=25),
                          args.repeats)
            p95 = statistics.quantiles(times, n=20)[-1]
            worst = max(worst, p95)
            print(f"{label:28} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}")
        times = _time(lambda: candidates.search(owner, cursor=first_page.next_cursor, limit=25),
                      args.repeats)
        p95 = statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        print(f"{'the next page':28} {statistics.median(times):8.1f} {p95:8.1f}"
              f" {max(times):8.1f}")
        verdict = "under" if worst < GOAL_P95_MS else "OVER"
        print(f"worst p95 {worst:.1f} ms: {verdict} the {GOAL_P95_MS:.0f} ms goal")
        engine.dispose()
        return 0 if worst < GOAL_P95_MS else 1
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
