"""The dashboard benchmark's data: a database of its own beside DATABASE_URL's, filled with
COPY (batches and items in every state, lanes, failure reasons, file names, admin actions),
and the queued items' messages and worker heartbeats in Redis under a namespace of its own.
Used by app.benchmarks.dashboard, which times the views over it.
"""

from __future__ import annotations

import json
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from app.settings import PLAN_LANE

REPO = Path(__file__).resolve().parents[2]
REUSE_MAX_AGE_S = 1800
ADMIN_EMAIL = "bench-admin@localhost.localdomain"
META = "dashboard_bench_meta"
DAYS = 30
ACTIVE_SHARE = 0.01  # the newest batches are still running
WORKERS = 6  # fake worker processes reporting heartbeats
THREADS = 8

FIRST = ("ana", "ben", "chloe", "david", "elena", "farid", "grace", "hiro", "ines", "jonas",
         "kemi", "liam", "maya", "noah", "olga", "pablo", "qiu", "rosa", "sami", "tara",
         "umar", "vera", "wen", "xavier", "yusuf", "zoe")
LAST = ("smith", "garcia", "kowalski", "nguyen", "okafor", "muller", "rossi", "tanaka",
        "silva", "dubois", "novak", "ahmed", "jensen", "costa", "ivanova", "park")
FILES = ("cv", "resume", "CV-2026", "lebenslauf", "application", "profile")
EXTS = ("pdf", "pdf", "pdf", "docx", "docx", "txt")
TITLES = ("Registered Nurse", "Backend Engineer", "Sales Manager", "Accountant",
          "Customer Support Agent", "Electrician", "Data Analyst", "Pharmacist",
          "Warehouse Supervisor", "Frontend Developer", "Financial Controller",
          "Plumber", "Account Executive", "HR Generalist", "Physiotherapist",
          "DevOps Engineer", "Office Manager", "Welder", "Product Designer", "Paralegal")
COMPANIES = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka")
REASONS = (
    "This file could not be read: it is not a PDF, DOCX or text file.",
    "This PDF is protected with a password.",
    "This PDF contains only images (a scan): there is no text to read.",
    "This file is empty.",
    "This DOCX file is damaged and could not be opened.",
    "This PDF is damaged and could not be opened.",
    "Reading this file took longer than 20 seconds.",
    "This file is larger than 10 MB.",
    "This ZIP archive is damaged.",
    "This ZIP archive unpacks to too much data.",
    "The text of this file is not in a language we can read.",
    "This file has almost no text (fewer than 20 words).",
    "The worker stopped while processing this file, 3 times. The file may be too complex"
    " to process.",
    "Processing took longer than 120 seconds.",
    "This file's type does not match its name.",
    "This DOCX file has no text in its body.",
    "This text file is not in a known encoding.",
    "This PDF uses an unsupported encryption.",
    "This file is a duplicate of another one in the screening.",
    "The file of this item is missing.",
)
SKILLS = ("Python", "SQL", "Excel", "Salesforce", "BLS", "ACLS", "Docker", "Kubernetes",
          "AutoCAD", "SAP", "QuickBooks", "Figma", "Java", "React", "Welding", "OSHA")


# --- The bench database --------------------------------------------------------------------


def _raw(url: str) -> str:
    """A psycopg connection string from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def bench_urls(database_url: str) -> tuple[str, str, str]:
    """(maintenance database URL, bench database URL, bench database name)."""
    url = make_url(database_url)
    name = f"{url.database or 'shortlist'}_dashboard_bench"
    maintenance = url.set(database="postgres").render_as_string(hide_password=False)
    return maintenance, url.set(database=name).render_as_string(hide_password=False), name


def _reusable(bench_url: str, items: int, batches: int) -> bool:
    try:
        with psycopg.connect(_raw(bench_url)) as conn:
            row = conn.execute(f"SELECT generated_at, items, batches FROM {META}").fetchone()
    except psycopg.Error:
        return False
    return (row is not None and row[1] == items and row[2] == batches
            and (datetime.now(timezone.utc) - row[0]).total_seconds() < REUSE_MAX_AGE_S)


def create_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(_raw(maintenance_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(_raw(maintenance_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- The data --------------------------------------------------------------------------------


@dataclass
class Owner:
    id: int
    plan: str


def _sizes(rng: random.Random, items: int, batches: int) -> list[int]:
    """Batch sizes summing to `items`: mostly tens to hundreds, a few in the thousands."""
    weights = [rng.lognormvariate(0, 1.3) for _ in range(batches)]
    scale = (items - batches) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for i in range(items - sum(sizes)):  # the rounding remainder, one each
        sizes[i % batches] += 1
    return sizes


def _file_name(rng: random.Random, seq: int) -> str:
    return (f"{rng.choice(FIRST)}-{rng.choice(LAST)}-{rng.choice(FILES)}-{seq}"
            f".{rng.choice(EXTS)}")


def _result(rng: random.Random, score: float) -> str:
    matched = rng.sample(SKILLS, 3)
    missing = rng.sample(SKILLS, 2)
    band = "strong" if score >= 80 else "good" if score >= 60 else "partial" if score >= 40 \
        else "weak"
    return json.dumps({"score": score, "band": band, "must_have_matched": matched,
                       "must_have_missing": missing, "nice_to_have_matched": matched[:1],
                       "years": rng.randint(0, 25), "education": "bachelor",
                       "explanation": f"Matches {len(matched)} of the must-have skills."})


class Generator:
    """Rows for COPY, consistent: every batch's counters equal its items' states."""

    def __init__(self, items: int, batches: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.items, self.batches = items, batches
        self.now = datetime.now(timezone.utc)

    def users(self, password_hash: str) -> list[tuple]:
        rng, rows = self.rng, []
        plans = rng.choices(("free", "basic", "premium", "enterprise"), (4, 3, 2, 1), k=200)
        for i, plan in enumerate(plans):
            rows.append((f"recruiter{i:03d}@{rng.choice(COMPANIES)}.example", password_hash,
                         "recruiter", plan))
        rows.append((ADMIN_EMAIL, password_hash, "admin", "enterprise"))
        rows += [(f"ops{i}@localhost.localdomain", password_hash, "admin", "enterprise")
                 for i in (1, 2)]
        rows.append(("viewer@localhost.localdomain", password_hash, "readonly_admin",
                     "enterprise"))
        joined = self.now - timedelta(days=90)
        return [(*row, True, joined, joined) for row in rows]

    def batches_and_items(self, owners: list[Owner], write_batch: Callable[[tuple], None],
                          write_item: Callable[[tuple], None]) -> None:
        rng, now = self.rng, self.now
        sizes = _sizes(rng, self.items, self.batches)
        created = sorted(now - timedelta(seconds=rng.uniform(120, DAYS * 86400))
                         for _ in range(self.batches))
        heavy = rng.choices(owners, k=20)  # a few owners submit much more than the rest
        active_from = int(self.batches * (1 - ACTIVE_SHARE))
        for b, (size, at) in enumerate(zip(sizes, created)):
            owner = rng.choice(heavy) if rng.random() < 0.4 else rng.choice(owners)
            lane = PLAN_LANE[owner.plan] if rng.random() > 0.05 else rng.choice(
                tuple(PLAN_LANE.values()))
            batch_id = str(uuid.uuid4())
            if b >= active_from:
                status = "running" if rng.random() < 0.8 else "queued"
                at = now - timedelta(seconds=rng.uniform(60, 4 * 3600))  # recent
            else:
                r = rng.random()
                status = ("cancelled" if r < 0.03 else "timed_out" if r < 0.035
                          else "failed" if r < 0.045 else "done")
            counts = self._items(batch_id, size, at, status, write_item)
            self._batch(batch_id, owner, lane, status, size, at, counts, write_batch)

    def _items(self, batch_id: str, size: int, created: datetime, status: str,
               write: Callable[[tuple], None]) -> dict:
        rng, now = self.rng, self.now
        start = created + timedelta(seconds=rng.uniform(1, 30))
        gap = rng.uniform(0.02, 0.4)  # seconds between two items finishing
        fail_rate = rng.choice((0.0, 0.01, 0.02, 0.05, 0.2))
        stop_at = size if status in ("done", "failed") else rng.randint(0, size)
        if status in ("running", "queued"):
            # Some finished since it started, up to now; then a few running, a window
            # queued, the rest pending.
            stop_at = 0 if status == "queued" else rng.randint(0, size - 1)
            gap = min(gap, max(0.0, (now - start).total_seconds() - 5) / max(1, stop_at))
        counts = dict.fromkeys(("pending", "queued", "running", "done", "failed",
                                "cancelled"), 0)
        counts["last"] = start
        worker = f"worker-{rng.randint(1, 12)}.internal:{rng.randint(100, 60000)}"
        running = queued = 0
        for seq in range(size):
            name = _file_name(rng, seq)
            finished = start + timedelta(seconds=gap * (seq + 1))
            if finished > now:
                finished = now - timedelta(seconds=rng.uniform(0, 60))
            error = score = result = queued_at = started_at = finished_at = None
            attempts, who = 1, worker
            if seq < stop_at:
                failed = status == "failed" or rng.random() < fail_rate
                state = "failed" if failed else "done"
                queued_at, finished_at = finished - timedelta(seconds=gap * 100), finished
                started_at = finished - timedelta(seconds=rng.uniform(0.2, 3))
                if failed:
                    error = rng.choice(REASONS) if status != "failed" else REASONS[0]
                    attempts = rng.choice((1, 1, 1, 2, 3))
                else:
                    score = round(rng.uniform(5, 98), 1)
                    result = _result(rng, score)
                counts["last"] = max(counts["last"], finished)
            elif status in ("running", "queued"):
                attempts, who = 0, None
                if status == "running" and running < THREADS:
                    state, attempts, who = "running", 1, worker
                    queued_at, started_at = now - timedelta(seconds=30), now - timedelta(
                        seconds=rng.uniform(0, 5))
                    running += 1
                elif queued < 100 - running:
                    state, queued_at = "queued", now - timedelta(seconds=rng.uniform(0, 600))
                    queued += 1
                else:
                    state = "pending"
            else:  # cancelled or timed out: the rest never ran
                state, attempts, who = "cancelled", 0, None
                finished_at = counts["last"] + timedelta(seconds=1)
                error = ("Cancelled before it started." if status == "cancelled" else
                         "The screening took longer than its time limit (6 hours).")
            counts[state] += 1
            write((batch_id, seq, name, state, attempts, who, error, score, result,
                   queued_at, started_at, finished_at,
                   now + timedelta(seconds=150) if state == "running" else None))
        return counts

    def _batch(self, batch_id: str, owner: Owner, lane: str, status: str, size: int,
               created: datetime, counts: dict, write: Callable[[tuple], None]) -> None:
        rng = self.rng
        title = rng.choice(TITLES)
        params = json.dumps({"title": title, "description": f"We are hiring a {title}.",
                             "must_have": rng.sample(SKILLS, 2), "nice_to_have": [],
                             "min_years": rng.choice((0, 1, 2, 3, 5))})
        finished = status not in ("running", "queued")
        ended = counts["last"] + timedelta(seconds=1) if finished else None
        summary = json.dumps({"done": counts["done"], "failed": counts["failed"]}) \
            if finished else None
        error = {"failed": "No resume in this screening could be read.",
                 "timed_out": "The screening took longer than its time limit (6 hours)."
                 }.get(status)
        days = 30 if status in ("failed", "timed_out") else 7
        write((batch_id, owner.id, "resume", lane, status, title, params, size,
               counts["pending"], counts["queued"], counts["running"], counts["done"],
               counts["failed"], counts["cancelled"], error, summary, created,
               None if status == "queued" else created + timedelta(seconds=1), ended,
               ended if status == "cancelled" else None,
               ended + timedelta(days=days) if ended else None))

    def audit(self, admins: list[tuple[int, str]], batch_ids: list[str]) -> list[tuple]:
        rng, rows = self.rng, []
        for _ in range(3000):
            actor_id, email = rng.choice(admins)
            action = rng.choice(("cancel", "retry", "retry", "move", "pause_lane",
                                 "resume_lane", "submit"))
            at = self.now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
            batch = None if action.endswith("_lane") else rng.choice(batch_ids)
            details = {"by": email}
            if action.endswith("_lane"):
                details["lane"] = rng.choice(tuple(PLAN_LANE.values()))
            rows.append((at, actor_id, action, batch, json.dumps(details)))
        return rows


_ITEM_COLUMNS = ("batch_id, seq, name, status, attempts, worker, error, score, result,"
                 " queued_at, started_at, finished_at, lease_expires_at")
_BATCH_COLUMNS = ("id, owner_id, kind, lane, status, title, params, total, n_pending,"
                  " n_queued, n_running, n_done, n_failed, n_cancelled, error, summary,"
                  " created_at, started_at, finished_at, cancelled_at, expires_at")
_SECONDARY_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
"""


def fill(bench_url: str, items: int, batches: int) -> dict[str, float]:
    """Create the rows with COPY (secondary indexes dropped meanwhile and rebuilt after)."""
    from app.accounts.users import hash_password

    timings: dict[str, float] = {}
    gen = Generator(items, batches)
    started = time.perf_counter()
    with psycopg.connect(_raw(bench_url)) as conn:
        tables = ["item", "batch", "audit_event", "file_name", "item_attempt"]
        indexes = conn.execute(_SECONDARY_INDEXES, (tables,)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        keys = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                            " WHERE conrelid = 'item'::regclass AND contype = 'f'").fetchall()
        for name, _ in keys:
            conn.execute(f'ALTER TABLE item DROP CONSTRAINT "{name}"')
        with conn.cursor() as cur:
            with cur.copy('COPY "user" (email, password_hash, role, plan, active, created_at,'
                          " password_changed_at) FROM STDIN") as copy:
                for row in gen.users(hash_password(secrets.token_urlsafe(16))):
                    copy.write_row(row)
            users = cur.execute('SELECT id, plan, role, email FROM "user"').fetchall()
            owners = [Owner(i, plan) for i, plan, role, _ in users if role == "recruiter"]
            admins = [(i, email) for i, _, role, email in users if role == "admin"]
            batch_rows: list[tuple] = []
            with cur.copy(f"COPY item ({_ITEM_COLUMNS}) FROM STDIN") as items_copy:
                # Items before their batches (a batch's counters are known once its items
                # are made): the item -> batch foreign key is dropped meanwhile.
                gen.batches_and_items(owners, batch_rows.append, items_copy.write_row)
            timings["items copied"] = time.perf_counter() - started
            with cur.copy(f"COPY batch ({_BATCH_COLUMNS}) FROM STDIN") as copy:
                for row in batch_rows:
                    copy.write_row(row)
            with cur.copy("COPY audit_event (at, actor_id, action, batch_id, details)"
                          " FROM STDIN") as copy:
                for row in gen.audit(admins, [r[0] for r in batch_rows]):
                    copy.write_row(row)
            # What submission writes beside the items: their file names, for the search.
            cur.execute("INSERT INTO file_name (batch_id, seq, name)"
                        " SELECT batch_id, seq, name FROM item")
            # The history the workers write: an attempt per finished item, and a failed
            # first attempt for those tried twice (the charts count these).
            cur.execute(
                "INSERT INTO item_attempt (item_id, number, lane, kind, worker, started_at,"
                " ended_at, outcome, error)"
                " SELECT item.id, n.number, batch.lane, batch.kind, item.worker,"
                " item.started_at - (item.attempts - n.number) * interval '1 minute',"
                " item.finished_at - (item.attempts - n.number) * interval '1 minute',"
                " CASE WHEN n.number < item.attempts THEN 'retrying' ELSE item.status END,"
                " item.error FROM item JOIN batch ON batch.id = item.batch_id"
                " CROSS JOIN LATERAL generate_series(1, greatest(item.attempts, 1)) AS n(number)"
                " WHERE item.finished_at IS NOT NULL AND item.status IN ('done', 'failed')")
            cur.execute(f"CREATE TABLE {META} (generated_at timestamptz, items int,"
                        " batches int)")
            cur.execute(f"INSERT INTO {META} VALUES (%s, %s, %s)", (gen.now, items, batches))
        conn.commit()
        timings["rows copied"] = time.perf_counter() - started
        for _, definition in indexes:
            conn.execute(definition)
        for name, definition in keys:
            conn.execute(f'ALTER TABLE item ADD CONSTRAINT "{name}" {definition}')
        conn.commit()
        timings["indexes built"] = time.perf_counter() - started
    with psycopg.connect(_raw(bench_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does to a live database
    timings["vacuumed"] = time.perf_counter() - started
    return timings


# --- Redis: the broker's queues and the workers' reports ---------------------------------


def fill_redis(now: float | None = None) -> dict[str, int]:
    """Messages for the queued items (so lane depths are real) and a few worker reports
    whose current items are running ones. Uses this process's settings (bench namespace)."""
    import socket

    from sqlalchemy import select

    from app.admin import workers
    from app.db import get_engine
    from app.engine import dispatch
    from app.engine.broker import get_broker
    from app.models import Batch, Item

    item_t, batch_t = Item.__table__, Batch.__table__
    with get_engine().connect() as conn:
        queued = conn.execute(select(batch_t.c.lane, item_t.c.id).join(
            batch_t, batch_t.c.id == item_t.c.batch_id).where(item_t.c.status == "queued")).all()
        running = list(conn.execute(select(item_t.c.id).where(item_t.c.status == "running")
                                    .order_by(item_t.c.id)).scalars())
    by_lane: dict[str, list[int]] = {}
    for lane, item_id in queued:
        by_lane.setdefault(lane, []).append(item_id)
    sent = sum(dispatch.send_items(lane, ids) for lane, ids in by_lane.items())
    client, now = get_broker().client, now or time.time()
    for n in range(WORKERS):
        mine = running[n * THREADS:(n + 1) * THREADS]
        workers.write_report(
            client, worker_id=f"bench-worker-{n}:{1000 + n}", host=f"bench-worker-{n}",
            pid=1000 + n, lanes=list(PLAN_LANE.values()), threads=THREADS,
            started_at=now - 3600, current=[(i, now - 2) for i in mine], heartbeat_s=5.0,
            lost_after_s=30.0, now=now if n else now - 120)  # one of them is lost
    del socket
    return {"messages": sent, "workers": WORKERS}


def clear_redis(namespace: str) -> None:
    from app.engine.broker import get_broker

    client = get_broker().client
    keys = list(client.scan_iter(f"{namespace}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


