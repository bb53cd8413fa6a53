"""`python -m app bench --kind resume` runs real resumes through the fleet and, in the same
run, through the analysis alone; it reports both rates, their ratio and the memory of the
worker processes with their readers. Figures are printed, never held to a time budget;
what is asserted is that each is measured and that every file really went through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.analysis import factories
from tests.conftest import REPO, subprocess_env

pytestmark = pytest.mark.slow

CORPUS = REPO.parent / "shared" / "corpus" / "resumes"


def resume_folder(folder: Path) -> Path:
    """Nine resumes as recruiters send them: PDF, Word and text."""
    folder.mkdir()
    for i, (key, body) in enumerate(sorted(factories.RESUMES.items())[:9]):
        if i % 3 == 0:
            (folder / f"{key}.pdf").write_bytes(factories.make_pdf(body))
        elif i % 3 == 1:
            (folder / f"{key}.docx").write_bytes(factories.make_docx(body))
        else:
            (folder / f"{key}.txt").write_text(body)
    return folder


def run_bench(env: dict, corpus: Path, files: int, processes: int = 2) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "app", "bench", "--kind", "resume", "--corpus", str(corpus),
         "--files", str(files), "--processes", str(processes), "--threads", "4", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def batches(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, total, n_done, n_failed FROM batch"
                                 " ORDER BY created_at")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_resume_bench_embedded(tmp_path):
    folder = resume_folder(tmp_path / "resumes")
    data = tmp_path / "data"
    result = run_bench(subprocess_env(DATA_DIR=data), folder, files=9)
    print(f"\nembedded: analysis alone {result['analysis_alone_per_s']:.1f}/s,"
          f" fleet {result['fleet_per_s']:.1f}/s, ratio {result['ratio']:.2f}")
    assert (result["files"], result["mode"], result["processes"]) == (9, "embedded", 1)
    assert result["failed"] == 0
    assert result["analysis_alone_per_s"] > 0 and result["fleet_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["fleet_per_s"] / result["analysis_alone_per_s"])
    # Embedded, the workers are threads of the bench: no worker process to measure.
    assert result["peak_worker_rss_mb"] is None
    # The warm-up batch (2 files), the measured one and its re-screen, every file analysed.
    assert batches(f"sqlite:///{data / 'shortlist.db'}") == [
        ("done", 2, 2, 0), ("done", 9, 9, 0), ("done", 9, 9, 0)]
    assert result["rescreen_seconds"] > 0
    assert result["rescreen_speedup"] == pytest.approx(
        result["fleet_seconds"] / result["rescreen_seconds"])


def test_an_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "app", "bench", "--kind", "resume", "--corpus",
         str(tmp_path / "empty")],
        cwd=REPO, env=subprocess_env(DATA_DIR=tmp_path / "data"), capture_output=True,
        text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert f"No resumes (PDF, DOCX, text) under {tmp_path / 'empty'}: pass --corpus DIR." \
        in proc.stderr


@pytest.mark.integration
def test_resume_bench_with_real_worker_processes(pg_url, real_redis_url, tmp_path):
    # Real resumes when the corpus is beside the repository, else the generated ones.
    corpus = CORPUS if CORPUS.is_dir() else resume_folder(tmp_path / "resumes")
    env = subprocess_env(DATABASE_URL=pg_url, REDIS_URL=real_redis_url)
    result = run_bench(env, corpus, files=9)
    print(f"\nredis: analysis alone {result['analysis_alone_per_s']:.1f}/s,"
          f" fleet {result['fleet_per_s']:.1f}/s, ratio {result['ratio']:.2f},"
          f" worker {result['peak_worker_rss_mb']:.0f} MB,"
          f" with readers {result['peak_worker_with_readers_pss_mb']:.0f} MB")
    assert (result["files"], result["mode"], result["processes"]) == (9, "redis", 2)
    assert result["failed"] == 0
    assert result["fleet_per_s"] > 0 and result["analysis_alone_per_s"] > 0
    assert result["rescreen_seconds"] > 0 and result["rescreen_submit_seconds"] > 0
    # Each worker process reads in children of its own, counted with it.
    assert 0 < result["peak_reader_rss_mb"]
    assert result["peak_worker_with_readers_pss_mb"] > 0
    assert result["cpu_readers_s"] > 0 and result["cpu_workers_s"] > 0
    assert result["cpu_bench_s"] > 0
    assert result["cpu_machine_s"] >= result["cpu_readers_s"] + result["cpu_workers_s"]
    url = pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    assert batches(url) == [("done", 4, 4, 0), ("done", 9, 9, 0), ("done", 9, 9, 0)]
