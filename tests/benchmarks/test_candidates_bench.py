"""`python -m app.benchmarks.candidates` on a small pool: it fills its own database, times
every kind of search, prints the table and drops the database."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.benchmarks.test_resume_bench import CORPUS, resume_folder
from tests.conftest import REPO, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_candidate_search_bench_on_a_small_pool(pg_url, tmp_path):
    corpus = CORPUS if CORPUS.is_dir() else resume_folder(tmp_path / "resumes")
    result = subprocess.run(
        [sys.executable, "-m", "app.benchmarks.candidates", "--candidates", "2000",
         "--corpus", str(corpus), "--corpus-files", "5", "--repeats", "5"],
        cwd=REPO, env=subprocess_env(DATABASE_URL=pg_url), capture_output=True, text=True,
        timeout=300)
    out = result.stdout
    # Exit 1 is the bench's verdict "over the goal" (a timing, not this test's to assert:
    # a busy machine can put a small pool's p95 over it); anything else is a failure.
    assert result.returncode in (0, 1), out + result.stderr
    assert ("OVER the 200 ms goal" in out) == (result.returncode == 1), out
    assert "2,000 candidates of one recruiter" in out
    for label in ("first page, no query", "a name", "an email", "a skill",
                  "two words of resume text", "a rare word", "the next page"):
        assert re.search(rf"^{re.escape(label)}\s+[\d.]+\s+[\d.]+\s+[\d.]+$", out, re.M), out
    # The verdict is a figure the bench prints, not this test's to assert: a busy machine
    # (another test run beside it) can put a small pool's p95 over the goal.
    assert re.search(r"^worst p95 [\d.]+ ms: (under|OVER) the 200 ms goal$", out, re.M), out
    bench_db = pg_url.rsplit("/", 1)[1] + "_candidates_bench"
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                            {"n": bench_db}).scalar() == 0  # dropped at the end
    engine.dispose()
