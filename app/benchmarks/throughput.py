"""`python -m app bench`: Shortlist's throughput measured against raw Dramatiq, same run.

First N no-op messages go through a bare actor (app/benchmarks/raw_actor.py) on the same broker
with the same worker processes and threads: the ceiling. Then an N-item `noop` batch goes
through the batch service and the real workers (actors/worker.py). Every figure that
depends on the machine is reported as a ratio to that ceiling, because the machine is
shared and noisy.

With REDIS_URL set the workers are real `dramatiq` processes; in embedded mode they are
threads of this process (the `--processes` option is then ignored).
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from app import migrate
from app.accounts import users
from app.benchmarks import RAW_CONSUMER_ENV, RAW_QUEUE
from app.benchmarks.fleet import DeclareActors, Fleet
from app.db import get_engine
from app.engine import batches, dispatch, events
from app.engine.broker import get_broker
from app.engine.kinds import get_kind
from app.models import BATCH_FINISHED, Batch, Item
from app.redis_client import key
from app.roundtrips import KEY as ROUND_TRIPS_KEY
from app.settings import get_settings

BENCH_USER = "bench@localhost.localdomain"


@dataclass
class Result:
    items: int
    processes: int
    threads: int
    kind: str
    mode: str
    raw_seconds: float = 0.0
    raw_per_s: float = 0.0
    # The bare actor on Shortlist's own broker, whose consumer sends acks in bulk: what
    # the bookkeeping costs, without what that consumer saves (not measured embedded).
    raw_shortlist_consumer_per_s: float | None = None
    submit_seconds: float = 0.0
    submit_per_s: float = 0.0
    first_done_seconds: float = 0.0
    all_done_seconds: float = 0.0
    end_to_end_per_s: float = 0.0
    ratio_to_raw: float = 0.0
    ratio_to_raw_shortlist_consumer: float | None = None
    event_delay_p50_ms: float | None = None
    event_delay_p95_ms: float | None = None
    peak_worker_rss_mb: float | None = None
    db_round_trips_per_item: float | None = None
    # Every round's ratio; the figures above are those of the median round.
    round_ratios: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _drained(queue: str) -> bool:
    broker = get_broker()
    client, ns = broker.client, broker.namespace
    if client.llen(f"{ns}:{queue}"):
        return False
    return all(client.scard(key) == 0 for key in client.scan_iter(f"{ns}:__acks__.*.{queue}"))


def measure_raw(result: Result, embedded: bool, shortlist_consumer: bool = False) -> None:
    broker = get_broker()
    broker.declare_queue(RAW_QUEUE)
    broker.flush(RAW_QUEUE)
    fleet = Fleet("app.benchmarks.raw_actor", result.processes, result.threads, [RAW_QUEUE], embedded,
                  env={RAW_CONSUMER_ENV: "shortlist"} if shortlist_consumer else None)
    if embedded:
        import app.benchmarks.raw_actor  # noqa: F401  (declares the bare actor on this broker)
    fleet.start()
    try:
        started = time.monotonic()
        dispatch.send_many(RAW_QUEUE, "bench_noop", [(n,) for n in range(result.items)])
        while not _drained(RAW_QUEUE):
            time.sleep(0.01)
        seconds = time.monotonic() - started
    finally:
        fleet.stop()
    if shortlist_consumer:
        result.raw_shortlist_consumer_per_s = result.items / seconds
    else:
        result.raw_seconds = seconds
        result.raw_per_s = result.items / seconds


def bench_user():
    try:
        return users.get_user_by_email(BENCH_USER)
    except Exception:  # noqa: BLE001  (first run)
        return users.create_user(BENCH_USER, secrets.token_urlsafe(16), role="admin",
                                 plan="enterprise")


def vacuum() -> None:
    """What autovacuum does between a production database's batches: each run leaves
    three dead row versions per item, and on a server with autovacuum off (this
    development machine's) the next rounds would measure the bloat, not the engine."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) item, batch")


def measure_shortlist(result: Result, embedded: bool, sleep_ms: int,
                      declare_actors: DeclareActors | None = None) -> None:
    vacuum()
    user = bench_user()
    client = get_broker().client
    client.delete(key(*ROUND_TRIPS_KEY))
    delays: list[float] = []
    listener = events.Listener()
    batch_ref: dict[str, str] = {}

    def on_event(event: dict) -> None:
        if event.get("batch_id") == batch_ref.get("id"):
            delays.append((time.time() - event["at"]) * 1000)

    listener.subscribe(on_event)
    listener.start()
    listener.ready.wait(5)
    fleet = Fleet("actors.worker", result.processes, result.threads, ["critical"], embedded,
                  env={"COUNT_DB_ROUND_TRIPS": "true"})
    if embedded:
        if declare_actors is None:
            raise RuntimeError("An embedded run needs the actors: start it with python -m app bench.")
        declare_actors(get_broker(), get_settings())
    fleet.start()
    try:
        wall_start = time.time()
        started = time.monotonic()
        batch = batches.submit(
            user, kind=result.kind, lane="critical",
            items=[batches.NewItem(f"item {n}") for n in range(result.items)],
            params={"sleep_ms": sleep_ms}, operator=True,
        )
        batch_ref["id"] = str(batch.id)
        result.submit_seconds = time.monotonic() - started
        result.submit_per_s = result.items / result.submit_seconds
        batch_t = Batch.__table__
        while True:
            with get_engine().connect() as conn:
                status = conn.execute(select(batch_t.c.status).where(
                    batch_t.c.id == batch.id)).scalar()
            if status in BATCH_FINISHED:
                break
            time.sleep(0.05)
        item_t = Item.__table__
        with get_engine().connect() as conn:
            first, last = conn.execute(
                select(func.min(item_t.c.finished_at), func.max(item_t.c.finished_at))
                .where(item_t.c.batch_id == batch.id)).one()
        result.first_done_seconds = first.timestamp() - wall_start
        result.all_done_seconds = last.timestamp() - wall_start
    finally:
        fleet.stop()
        listener.stop()
    result.end_to_end_per_s = result.items / result.all_done_seconds
    result.ratio_to_raw = result.end_to_end_per_s / result.raw_per_s
    if result.raw_shortlist_consumer_per_s:
        result.ratio_to_raw_shortlist_consumer = (result.end_to_end_per_s
                                                  / result.raw_shortlist_consumer_per_s)
    if delays:
        result.event_delay_p50_ms = statistics.median(delays)
        result.event_delay_p95_ms = statistics.quantiles(delays, n=20)[-1] \
            if len(delays) >= 20 else max(delays)
    if fleet.peak_rss_kb:
        result.peak_worker_rss_mb = fleet.peak_rss_kb / 1024
    trips = client.get(key(*ROUND_TRIPS_KEY))
    if trips is not None:
        result.db_round_trips_per_item = int(trips) / result.items
    elif embedded:
        result.notes.append("round trips are counted only with real worker processes")


def run(items: int, processes: int, threads: int, kind: str = "noop",
        sleep_ms: int = 0, rounds: int = 3,
        declare_actors: DeclareActors | None = None) -> Result:
    """`rounds` times raw Dramatiq, then Shortlist; the round with the median ratio is
    reported (the machine is shared: one round can be unlucky either way)."""
    settings = get_settings()
    embedded = settings.embedded_broker
    migrate.upgrade()
    get_kind(kind)  # imports the kinds now, not inside the timed submission
    results = []
    for _ in range(max(1, rounds)):
        result = Result(items=items, processes=1 if embedded else processes, threads=threads,
                        kind=kind, mode="embedded" if embedded else "redis")
        measure_raw(result, embedded)
        if not embedded:
            measure_raw(result, embedded, shortlist_consumer=True)
        measure_shortlist(result, embedded, sleep_ms, declare_actors)
        results.append(result)
    ratios = [r.ratio_to_raw for r in results]
    median = sorted(results, key=lambda r: r.ratio_to_raw)[len(results) // 2]
    median.round_ratios = ratios
    return median


def render(result: Result) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0f} ms"

    rows = [
        ("raw Dramatiq (no-op actor)", f"{result.raw_per_s:,.0f} msg/s"),
        ("  the same on Shortlist's consumer", "n/a" if not result.raw_shortlist_consumer_per_s
         else f"{result.raw_shortlist_consumer_per_s:,.0f} msg/s"),
        ("submission (database + dispatch)",
         f"{result.submit_seconds:.3f} s = {result.submit_per_s:,.0f} items/s"),
        ("time to first item done", f"{result.first_done_seconds:.3f} s"),
        ("time to all done", f"{result.all_done_seconds:.3f} s"),
        ("end to end", f"{result.end_to_end_per_s:,.0f} items/s"),
        ("ratio to raw Dramatiq", f"{result.ratio_to_raw:.2f}"
         + (f" (median of {len(result.round_ratios)} rounds: "
            + ", ".join(f"{r:.2f}" for r in result.round_ratios) + ")"
            if len(result.round_ratios) > 1 else "")),
        ("ratio to the no-op actor on Shortlist's consumer",
         "n/a" if result.ratio_to_raw_shortlist_consumer is None
         else f"{result.ratio_to_raw_shortlist_consumer:.2f}"),
        ("event delay p50 / p95",
         f"{ms(result.event_delay_p50_ms)} / {ms(result.event_delay_p95_ms)}"),
        ("peak worker RSS", "n/a" if result.peak_worker_rss_mb is None
         else f"{result.peak_worker_rss_mb:.0f} MB"),
        ("database round trips per item", "n/a" if result.db_round_trips_per_item is None
         else f"{result.db_round_trips_per_item:.2f}"),
    ]
    head = (f"{result.items} {result.kind} items, {result.processes} processes x"
            f" {result.threads} threads, {result.mode} broker")
    width = max(len(r[0]) for r in rows)
    lines = [head, "-" * len(head)] + [f"{k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines + [f"note: {n}" for n in result.notes])


def main(items: int, processes: int, threads: int, kind: str, sleep_ms: int,
         as_json: bool, rounds: int = 3, declare_actors: DeclareActors | None = None) -> int:
    """`declare_actors` (from actors.registry, handed in by the CLI) declares Shortlist's
    actors on the in-process broker of an embedded run."""
    result = run(items, processes, threads, kind, sleep_ms, rounds, declare_actors)
    print(json.dumps(asdict(result), indent=2) if as_json else render(result))
    return 0
