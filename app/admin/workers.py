"""Worker processes as they report themselves: host, pid, lanes, threads, current items.

Each worker process runs one heartbeat thread (actors/heartbeat.py) that writes a small
JSON report every WORKER_HEARTBEAT_S seconds under `<namespace>:workers:<host:pid>`, and
its id into the sorted set `<namespace>:workers` scored by the time it was written. The
report format lives here, with the reader, so the two never drift apart.

A report not refreshed within its worker's WORKER_LOST_AFTER_S reads as `lost` (the
process died without saying so: SIGKILL, out of memory, a host gone). A worker that stops
cleanly writes a last report with state `stopped`. Lost workers stay listed for
LOST_KEPT_S, stopped ones for STOPPED_KEPT_S; then their keys expire and the reader drops
them from the index.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from app.accounts.permissions import check_admin_read
from app.db import get_engine
from app.engine.broker import get_broker
from app.models import Batch, Item, User
from app.redis_client import key
from app.settings import LANES

log = logging.getLogger("shortlist.workers")
item_t, batch_t = Item.__table__, Batch.__table__

RUNNING, LOST, STOPPED = "running", "lost", "stopped"
LOST_KEPT_S = 3600  # a lost worker stays visible this long after its last report
STOPPED_KEPT_S = 300  # a cleanly stopped one this long
MAX_CURRENT = 64  # items listed per worker (threads rarely exceed this)


def index_key() -> str:
    return key("workers")


def report_key(worker_id: str) -> str:
    return key("workers", worker_id)


def this_worker_id() -> str:
    # The same id app.engine.processing writes into item.worker, so the two can be matched.
    return f"{socket.gethostname()}:{os.getpid()}"


# --- Writing (the heartbeat thread of a worker process) ------------------------------


def write_report(client, *, worker_id: str, host: str, pid: int, lanes: list[str],
                 threads: int, started_at: float, current: list[tuple[int, float]],
                 heartbeat_s: float, lost_after_s: float, state: str = RUNNING,
                 broker_id: str | None = None, now: float | None = None) -> None:
    """One heartbeat: a single pipelined round trip (report, index, index pruning)."""
    now = time.time() if now is None else now
    report = {"id": worker_id, "host": host, "pid": pid, "lanes": lanes, "threads": threads,
              "broker_id": broker_id,
              "started_at": started_at, "seen_at": now, "state": state,
              "heartbeat_s": heartbeat_s, "lost_after_s": lost_after_s,
              "current": [[item_id, since] for item_id, since in current[:MAX_CURRENT]]}
    kept_s = STOPPED_KEPT_S if state == STOPPED else lost_after_s + LOST_KEPT_S
    with client.pipeline(transaction=False) as pipe:
        pipe.set(report_key(worker_id), json.dumps(report), ex=max(1, int(kept_s)))
        pipe.zadd(index_key(), {worker_id: now})
        # Entries whose report must have expired by now (nobody else prunes the index).
        pipe.zremrangebyscore(index_key(), "-inf", now - LOST_KEPT_S - lost_after_s - 60)
        pipe.execute()


# --- Reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentItem:
    item_id: int
    since: datetime
    name: str | None = None  # None: not found in the database (or it did not answer)
    batch_id: str | None = None
    batch_title: str | None = None


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    host: str
    pid: int
    lanes: tuple[str, ...]
    threads: int
    state: str  # running, lost or stopped
    started_at: datetime
    last_seen_at: datetime
    seen_s_ago: float
    heartbeat_s: float
    lost_after_s: float
    current: tuple[CurrentItem, ...] = ()
    broker_id: str | None = None  # its entry in Dramatiq's own heartbeats

    @property
    def alive(self) -> bool:
        return self.state == RUNNING


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), timezone.utc)


def state_of(report: dict, now: float) -> str:
    if report.get("state") == STOPPED:
        return STOPPED
    # Each worker's own window: a worker with a slower heartbeat reports a longer one.
    return LOST if now - float(report["seen_at"]) > float(report["lost_after_s"]) else RUNNING


def read_reports(client=None, now: float | None = None) -> list[dict]:
    """The raw reports of every listed worker; expired ones are dropped from the index."""
    client = client if client is not None else get_broker().client
    ids = [m.decode() if isinstance(m, bytes) else str(m)
           for m in client.zrange(index_key(), 0, -1)]
    if not ids:
        return []
    values = client.mget([report_key(i) for i in ids])
    reports, gone = [], []
    for worker_id, value in zip(ids, values):
        if value is None:
            gone.append(worker_id)
            continue
        try:
            reports.append(json.loads(value))
        except ValueError:
            gone.append(worker_id)
    if gone:
        client.zrem(index_key(), *gone)
    return reports


def _items(ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """(file name, batch id, batch title) of the items workers are on; empty if the
    database does not answer (the page then shows the ids only)."""
    if not ids:
        return {}
    try:
        with get_engine().connect() as conn:
            rows = conn.execute(
                select(item_t.c.id, item_t.c.name, batch_t.c.id, batch_t.c.title)
                .join(batch_t, batch_t.c.id == item_t.c.batch_id)
                .where(item_t.c.id.in_(ids))).all()
    except Exception as exc:  # noqa: BLE001
        log.warning("could not look up the items workers are on: %s", exc)
        return {}
    return {int(i): (name, str(b), title) for i, name, b, title in rows}


def _ordered_lanes(lanes: list[str]) -> tuple[str, ...]:
    known = [lane for lane in LANES if lane in lanes]
    return tuple(known + sorted(set(lanes) - set(known)))


def read_workers(client=None, now: float | None = None) -> list[WorkerInfo]:
    """Every listed worker: running ones first, then lost, then stopped; by host and pid."""
    now = time.time() if now is None else now
    reports = read_reports(client, now)
    wanted = [int(i) for r in reports for i, _ in r.get("current", [])]
    names = _items(wanted)
    workers = []
    for r in reports:
        current = []
        for item_id, since in r.get("current", []):
            name, batch_id, title = names.get(int(item_id), (None, None, None))
            current.append(CurrentItem(int(item_id), _moment(since), name, batch_id, title))
        seen = float(r["seen_at"])
        workers.append(WorkerInfo(
            id=str(r["id"]), host=str(r["host"]), pid=int(r["pid"]),
            lanes=_ordered_lanes(list(r.get("lanes", []))), threads=int(r["threads"]),
            state=state_of(r, now), started_at=_moment(r["started_at"]),
            last_seen_at=_moment(seen), seen_s_ago=round(max(0.0, now - seen), 3),
            heartbeat_s=float(r["heartbeat_s"]), lost_after_s=float(r["lost_after_s"]),
            current=tuple(sorted(current, key=lambda c: c.since)),
            broker_id=r.get("broker_id")))
    order = {RUNNING: 0, LOST: 1, STOPPED: 2}
    return sorted(workers, key=lambda w: (order[w.state], w.host, w.pid))


def list_workers(user: User) -> list[WorkerInfo]:
    """The workers, for admins (read-only ones too)."""
    check_admin_read(user, "the workers")
    return read_workers()
