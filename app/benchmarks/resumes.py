"""`python -m app bench --kind resume`: real resumes through the fleet, against the analysis
alone, in the same run.

The analysis alone is `app.analysis.analyze` over the files in a plain pool of as many
processes as the fleet has (no queue, no database): the most the machine can analyse.
The fleet is one resume batch of the same files through the batch service and real
`dramatiq` worker processes (their document readers included), timed from submission to
the last item done, after a small warm-up batch so that both sides start warm. Files come
from the labelled corpus (`../shared/corpus` beside the repository) or any folder of
PDF, DOCX and text resumes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app import migrate
from app.benchmarks.fleet import DeclareActors, Fleet
from app.benchmarks.throughput import bench_user, vacuum
from app.db import get_engine
from app.engine import batches
from app.engine.broker import get_broker
from app.models import BATCH_FINISHED, Batch, Item
from app.recruiting import rescreen
from app.settings import get_settings

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SUFFIXES = (".pdf", ".docx", ".txt")
OPENING = {"title": "Staff Accountant", "description": "General ledger, accounts payable and"
           " receivable, month-end close, reconciliations, financial statements, tax.",
           "must_have": ["Accounting"], "nice_to_have": ["Excel"], "min_years": 2}
# The re-screen: the measured batch's files for another opening (what was read is reused).
RESCREEN_OPENING = {"title": "Registered Nurse", "description": "Patient care, medication"
                    " administration, BLS and ACLS, charting, ICU experience.",
                    "must_have": ["Patient Care"], "nice_to_have": ["BLS"], "min_years": 2}
LANE = "critical"


@dataclass
class ResumeResult:
    files: int
    processes: int
    threads: int
    mode: str
    analysis_alone_per_s: float = 0.0
    fleet_per_s: float = 0.0
    ratio: float = 0.0
    fleet_seconds: float = 0.0
    submit_seconds: float = 0.0  # of fleet_seconds: storing the files and queueing them
    failed: int = 0
    peak_worker_rss_mb: float | None = None
    peak_worker_with_readers_pss_mb: float | None = None
    peak_reader_rss_mb: float | None = None
    # CPU seconds of the measured batch: worker processes, their readers, the machine.
    cpu_workers_s: float | None = None
    cpu_readers_s: float | None = None
    cpu_machine_s: float | None = None
    cpu_bench_s: float | None = None  # this process: submitting, polling, sampling
    # The same files screened again for another opening, on the same fleet.
    rescreen_seconds: float = 0.0
    rescreen_submit_seconds: float = 0.0
    rescreen_speedup: float = 0.0  # fleet_seconds / rescreen_seconds
    notes: list[str] = field(default_factory=list)


def corpus_files(corpus: Path, files: int) -> list[tuple[str, bytes]]:
    found = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in SUFFIXES)
    # Spread over the whole folder (every profession of the corpus), not its first ones.
    step = max(1, len(found) // files) if files else 1
    paths = found[::step][:files]
    if not paths:
        raise SystemExit(f"No resumes (PDF, DOCX, text) under {corpus}: pass --corpus DIR.")
    return [(f"{p.parent.name}-{p.name}", p.read_bytes()) for p in paths]


def _analyze_one(file: tuple[str, bytes]) -> bool:
    from app.analysis import Opening, analyze

    name, data = file
    try:
        analyze(data, name, Opening.from_dict(OPENING))
        return True
    except Exception:  # noqa: BLE001  (a file that cannot be read is part of the work too)
        return False


def _warm(_: int) -> None:
    from app.analysis import analyze  # noqa: F401  (the import is the warm-up)


def analysis_alone(files: list[tuple[str, bytes]], processes: int) -> float:
    """Files per second of the analysis alone in `processes` spawned processes."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        list(pool.map(_warm, range(processes * 4)))
        started = time.monotonic()
        list(pool.map(_analyze_one, files, chunksize=2))
        return len(files) / (time.monotonic() - started)


def _run_batch(files: list[tuple[str, bytes]] | None,
               items_done: Callable[[], None] | None = None,
               rescreen_of: uuid.UUID | None = None) -> tuple[float, int, float, uuid.UUID]:
    """(seconds from submission to the last item done, items failed, seconds the
    submission took, the batch's id) of one batch of `files`, or of a re-screen of the
    batch `rescreen_of`; `items_done` is called as soon as every item ended, before the
    batch's reports are built."""
    started_wall = time.time()
    if rescreen_of is not None:
        batch = rescreen.rescreen(bench_user(), rescreen_of, params=dict(RESCREEN_OPENING),
                                  lane=LANE)
    else:
        batch = batches.submit(bench_user(), kind="resume", lane=LANE, title=OPENING["title"],
                               items=[batches.NewItem(name, data) for name, data in files],
                               params=dict(OPENING), operator=True)
    submit_seconds = time.time() - started_wall
    batch_t, item_t = Batch.__table__, Item.__table__
    ended = batch_t.c.n_done + batch_t.c.n_failed + batch_t.c.n_cancelled
    while True:
        with get_engine().connect() as conn:
            row = conn.execute(select(batch_t.c.status, ended.label("ended"), batch_t.c.total)
                               .where(batch_t.c.id == batch.id)).one()
        if row.ended >= row.total or row.status in BATCH_FINISHED:
            break
        time.sleep(0.05)
    if items_done is not None:
        items_done()
    while row.status not in BATCH_FINISHED:  # finalized: the next batch starts clean
        time.sleep(0.1)
        with get_engine().connect() as conn:
            row = conn.execute(select(batch_t.c.status).where(batch_t.c.id == batch.id)).one()
    with get_engine().connect() as conn:
        last, failed = conn.execute(
            select(func.max(item_t.c.finished_at),
                   func.count().filter(item_t.c.status == "failed"))
            .where(item_t.c.batch_id == batch.id)).one()
    return last.timestamp() - started_wall, int(failed), submit_seconds, batch.id


def run(corpus: Path, files: int, processes: int, threads: int,
        declare_actors: DeclareActors | None = None) -> ResumeResult:
    settings = get_settings()
    embedded = settings.embedded_broker
    migrate.upgrade()
    resumes = corpus_files(corpus, files)
    result = ResumeResult(files=len(resumes), processes=1 if embedded else processes,
                          threads=threads, mode="embedded" if embedded else "redis")
    warm_up = resumes[: max(2, result.processes * 2)]
    result.analysis_alone_per_s = analysis_alone(resumes, result.processes)
    vacuum()
    fleet = Fleet("actors.worker", result.processes, threads, [LANE], embedded)
    if embedded:
        if declare_actors is None:
            raise RuntimeError("An embedded run needs the actors: start it with python -m app bench.")
        declare_actors(get_broker(), settings)
    fleet.start()
    try:
        _run_batch(warm_up)  # the workers' readers start and import the analysis
        time.sleep(0.5)  # a CPU sample of the warm-up's end
        before, machine_before = fleet.cpu_by_role(), _machine_cpu_s()
        bench_before = time.process_time()
        after: dict[str, float] = {}

        def items_done() -> None:
            time.sleep(0.25)  # one more CPU sample
            after.update(fleet.cpu_by_role(), machine=_machine_cpu_s(),
                         bench=time.process_time())

        result.fleet_seconds, result.failed, result.submit_seconds, measured = _run_batch(
            resumes, items_done)
        machine_after, bench_after = after.pop("machine"), after.pop("bench")
        result.rescreen_seconds, _, result.rescreen_submit_seconds, _ = _run_batch(
            None, rescreen_of=measured)
        result.rescreen_speedup = result.fleet_seconds / result.rescreen_seconds
    finally:
        fleet.stop()
    if not embedded:
        result.cpu_workers_s = after["workers"] - before["workers"]
        result.cpu_readers_s = after["readers"] - before["readers"]
        result.cpu_machine_s = machine_after - machine_before
        result.cpu_bench_s = bench_after - bench_before
    result.fleet_per_s = len(resumes) / result.fleet_seconds
    result.ratio = result.fleet_per_s / result.analysis_alone_per_s
    if fleet.peak_rss_kb:
        result.peak_worker_rss_mb = fleet.peak_rss_kb / 1024
        result.peak_worker_with_readers_pss_mb = fleet.peak_family_pss_kb / 1024
        result.peak_reader_rss_mb = fleet.peak_child_rss_kb / 1024
    if result.ratio < 0.9 and result.cpu_machine_s:
        n = len(resumes)
        rest = (result.cpu_machine_s - result.cpu_readers_s - result.cpu_workers_s
                - result.cpu_bench_s)
        result.notes.append(
            f"where the time went, CPU seconds of the measured batch"
            f" ({result.cpu_machine_s:.1f} used of"
            f" {result.fleet_seconds * (os.cpu_count() or 1):.1f} the machine had):"
            f" reader processes {result.cpu_readers_s:.1f}"
            f" ({1000 * result.cpu_readers_s / n:.1f} ms a resume, analysis alone"
            f" {1000 * result.processes / result.analysis_alone_per_s:.1f}),"
            f" worker processes {result.cpu_workers_s:.1f}"
            f" ({1000 * result.cpu_workers_s / n:.1f} ms a resume), this bench"
            f" {result.cpu_bench_s:.1f}, the rest (PostgreSQL, Redis, the system)"
            f" {rest:.1f}")
    return result


def _machine_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (/proc/stat), all cores."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _mb(value: float | None) -> str:
    return "n/a (embedded)" if value is None else f"{value:.0f} MB"


def render(result: ResumeResult) -> str:
    head = (f"{result.files} real resumes, {result.processes} processes x {result.threads}"
            f" threads, {result.mode} broker")
    rows = [
        ("analysis alone (plain process pool)", f"{result.analysis_alone_per_s:,.1f} resumes/s"),
        ("the fleet (one resume batch)", f"{result.fleet_per_s:,.1f} resumes/s"
                                         f" ({result.fleet_seconds:.1f} s)"),
        ("... of which the submission", f"{result.submit_seconds:.2f} s"),
        ("ratio, fleet to analysis alone", f"{result.ratio:.2f}"),
        ("the same files screened again, another opening",
         f"{result.files / result.rescreen_seconds:,.1f} resumes/s"
         f" ({result.rescreen_seconds:.2f} s)"),
        ("... of which the submission", f"{result.rescreen_submit_seconds:.2f} s"),
        ("... times faster than the first screening", f"{result.rescreen_speedup:.1f}"),
        ("files that failed", f"{result.failed}"),
        ("peak RSS of a worker process", _mb(result.peak_worker_rss_mb)),
        ("... with its readers (PSS: shared pages counted once)",
         _mb(result.peak_worker_with_readers_pss_mb)),
        ("... of one reader process", _mb(result.peak_reader_rss_mb)),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [head, "-" * len(head)] + [f"{k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines + [f"note: {n}" for n in result.notes])


def main(corpus: Path | None, files: int, processes: int, threads: int, as_json: bool,
         declare_actors: DeclareActors | None = None) -> int:
    result = run(corpus or DEFAULT_CORPUS, files, processes, threads, declare_actors)
    print(json.dumps(asdict(result), indent=2) if as_json else render(result))
    return 0
