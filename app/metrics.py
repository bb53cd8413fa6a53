"""What operators watch: per-lane statistics, broker processes, Prometheus text exposition.

Every number comes from a cheap query: batch counts by status and lane (ix_batch_status_lane),
item counts from the batch counters (which always equal the counts of their items, so
a million items cost a scan of the batch table, not of the item table), items finished in
a recent window (ix_item_finished_at), queue depths from the broker, and broker
processes from Dramatiq's heartbeats. Workers export their own cumulative metrics through
Dramatiq's Prometheus middleware; this process exports the system's state.

The processing-time histogram covers the items done in the last METRICS_WINDOW_S seconds
(at most MAX_RECENT_ITEMS of them, newest first): a moving window, so its buckets are
gauges; use histogram_quantile() on them directly, without rate().
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from app.broker import get_broker, queue_depths
from app.db import get_engine
from app.errors import PermissionDenied
from app.models import BATCH_ACTIVE, Batch, BatchStatus, Item, ItemStatus, User, utcnow
from app.permissions import check_active, is_admin
from app.settings import LANES, get_settings

log = logging.getLogger("shortlist.metrics")
batch_t, item_t = Batch.__table__, Item.__table__

BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
MAX_RECENT_ITEMS = 10_000
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_COUNTERS = [s.value for s in ItemStatus]


def _window_s() -> int:
    return get_settings().metrics_window_s


def check_admin_read(user: User, what: str) -> None:
    check_active(user)
    if not is_admin(user):
        raise PermissionDenied(f"Only an admin can see {what}.")


# --- Lanes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LaneStats:
    lane: str
    queue_depth: int | None  # None: the broker did not answer
    active_batches: int
    pending: int
    queued: int
    running: int
    done_last_hour: int
    failed_last_hour: int


def _active_by_lane(conn: Connection) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        select(batch_t.c.lane, func.count(), func.sum(batch_t.c.n_pending),
               func.sum(batch_t.c.n_queued), func.sum(batch_t.c.n_running))
        .where(batch_t.c.status.in_([s.value for s in BATCH_ACTIVE]))
        .group_by(batch_t.c.lane)
    ).all()
    return {lane: {"batches": int(n), "pending": int(p or 0), "queued": int(q or 0),
                   "running": int(r or 0)} for lane, n, p, q, r in rows}


def _finished_since(conn: Connection, since: datetime) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        select(batch_t.c.lane, item_t.c.status, func.count())
        .select_from(item_t).join(batch_t, batch_t.c.id == item_t.c.batch_id)
        .where(item_t.c.finished_at >= since,
               item_t.c.status.in_([ItemStatus.done.value, ItemStatus.failed.value]))
        .group_by(batch_t.c.lane, item_t.c.status)
    ).all()
    return {(lane, status): int(n) for lane, status, n in rows}


def _depths() -> dict[str, int] | None:
    try:
        return queue_depths()
    except Exception as exc:  # noqa: BLE001  (broker down: say so, count the rest)
        log.warning("queue depths unavailable: %s", exc)
        return None


def lane_stats(user: User, now: datetime | None = None) -> list[LaneStats]:
    """Per lane: broker queue depth, unfinished items in the database, last hour's results."""
    check_admin_read(user, "the lanes")
    now = now or utcnow()
    depths = _depths()
    with get_engine().connect() as conn:
        active = _active_by_lane(conn)
        finished = _finished_since(conn, now - timedelta(hours=1))
    stats = []
    for lane in LANES:
        a = active.get(lane, {})
        stats.append(LaneStats(
            lane=lane, queue_depth=None if depths is None else depths.get(lane, 0),
            active_batches=a.get("batches", 0), pending=a.get("pending", 0),
            queued=a.get("queued", 0), running=a.get("running", 0),
            done_last_hour=finished.get((lane, ItemStatus.done.value), 0),
            failed_last_hour=finished.get((lane, ItemStatus.failed.value), 0),
        ))
    return stats


# --- Broker processes (workers) ------------------------------------------------------


@dataclass(frozen=True)
class BrokerProcess:
    """A process with a live (or recently live) Dramatiq broker: a worker or a producer."""

    broker_id: str
    last_seen_at: datetime
    seen_s_ago: float
    alive: bool


def broker_processes(now_s: float | None = None) -> list[BrokerProcess]:
    """From Dramatiq's heartbeats (`<namespace>:__heartbeats__`, ms timestamps), newest first.

    Every broker call refreshes its process's heartbeat, producers' (web, scheduler) too;
    entries of dead processes stay until queue maintenance removes them (alive: false).
    """
    broker = get_broker()
    now_s = time.time() if now_s is None else now_s
    timeout_s = getattr(broker, "heartbeat_timeout", 60_000) / 1000
    entries = broker.client.zrange(f"{broker.namespace}:__heartbeats__", 0, -1,
                                   withscores=True)
    processes = []
    for member, score in entries:
        seen = float(score) / 1000
        age = max(0.0, now_s - seen)
        processes.append(BrokerProcess(
            broker_id=member.decode() if isinstance(member, bytes) else str(member),
            last_seen_at=datetime.fromtimestamp(seen, timezone.utc),
            seen_s_ago=round(age, 3), alive=age < timeout_s))
    return sorted(processes, key=lambda p: p.seen_s_ago)


def workers(user: User) -> list[BrokerProcess]:
    check_admin_read(user, "the workers")
    return broker_processes()


# --- Prometheus exposition -----------------------------------------------------------


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, **labels: object) -> None:
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{text}}} {_number(value)}" if text
                          else f"{name} {_number(value)}")

    def render(self) -> str:
        return "\n".join(self.lines) + "\n"


def _durations(conn: Connection, since: datetime) -> list[tuple[str, float]]:
    recent = (
        select(item_t.c.batch_id, item_t.c.started_at, item_t.c.finished_at)
        .where(item_t.c.finished_at >= since, item_t.c.status == ItemStatus.done.value,
               item_t.c.started_at.is_not(None))
        .order_by(item_t.c.finished_at.desc()).limit(MAX_RECENT_ITEMS).subquery()
    )
    rows = conn.execute(
        select(batch_t.c.lane, recent.c.started_at, recent.c.finished_at)
        .join(batch_t, batch_t.c.id == recent.c.batch_id)
    ).all()
    return [(lane, max(0.0, (finished - started).total_seconds()))
            for lane, started, finished in rows]


def _database_part(out: _Text, now: datetime) -> bool:
    try:
        with get_engine().connect() as conn:
            batches = conn.execute(
                select(batch_t.c.status, batch_t.c.lane, func.count())
                .group_by(batch_t.c.status, batch_t.c.lane)).all()
            items = conn.execute(
                select(batch_t.c.lane, *(func.sum(batch_t.c[f"n_{s}"]) for s in _COUNTERS))
                .group_by(batch_t.c.lane)).all()
            durations = _durations(conn, now - timedelta(seconds=_window_s()))
    except Exception as exc:  # noqa: BLE001  (database down: export what we have)
        log.warning("metrics: database unavailable: %s", exc)
        return False
    by_batch = {(status, lane): int(n) for status, lane, n in batches}
    out.family("shortlist_batches", "gauge", "Batches in the database by status and lane.")
    lanes = list(LANES) + sorted({lane for _, lane in by_batch} - set(LANES))
    for lane in lanes:
        for status in BatchStatus:
            out.sample("shortlist_batches", by_batch.get((status.value, lane), 0),
                       lane=lane, status=status.value)
    by_item = {row[0]: row[1:] for row in items}
    out.family("shortlist_items", "gauge", "Items in the database by state and lane.")
    for lane in lanes:
        counts = by_item.get(lane, (0,) * len(_COUNTERS))
        for status, n in zip(_COUNTERS, counts):
            out.sample("shortlist_items", int(n or 0), lane=lane, status=status)
    _histogram(out, durations, lanes)
    return True


def _histogram(out: _Text, durations: list[tuple[str, float]], lanes: list[str]) -> None:
    name = "shortlist_recent_item_processing_seconds"
    window = f"items done in the last {_window_s()} s (at most {MAX_RECENT_ITEMS}, newest)"
    per_lane: dict[str, list[float]] = defaultdict(list)
    for lane, seconds in durations:
        per_lane[lane].append(seconds)
    out.family(f"{name}_bucket", "gauge",
               f"Processing time of {window}: how many took at most `le` seconds.")
    for lane in lanes:
        values = per_lane.get(lane, [])
        for bound in (*BUCKETS_S, float("inf")):
            out.sample(f"{name}_bucket", sum(1 for v in values if v <= bound),
                       lane=lane, le=_number(bound))
    out.family(f"{name}_sum", "gauge", f"Total processing seconds of {window}.")
    for lane in lanes:
        out.sample(f"{name}_sum", round(sum(per_lane.get(lane, [])), 6), lane=lane)
    out.family(f"{name}_count", "gauge", f"Number of {window}.")
    for lane in lanes:
        out.sample(f"{name}_count", len(per_lane.get(lane, [])), lane=lane)


def _broker_part(out: _Text) -> bool:
    depths = _depths()
    try:
        processes = broker_processes()
    except Exception as exc:  # noqa: BLE001
        log.warning("metrics: broker heartbeats unavailable: %s", exc)
        processes = None
    if depths is not None:
        out.family("shortlist_queue_depth", "gauge",
                   "Messages waiting in the broker per lane (ready plus delayed retries).")
        for lane in LANES:
            out.sample("shortlist_queue_depth", depths.get(lane, 0), lane=lane)
    if processes is not None:
        out.family("shortlist_broker_processes", "gauge",
                   "Processes with a live broker heartbeat (workers, and producers such as"
                   " web processes).")
        out.sample("shortlist_broker_processes", sum(1 for p in processes if p.alive))
    return depths is not None and processes is not None


def render(now: datetime | None = None) -> str:
    """The whole exposition, Prometheus text format 0.0.4."""
    started = time.perf_counter()
    now = now or utcnow()
    out = _Text()
    database_up = _database_part(out, now)
    broker_up = _broker_part(out)
    out.family("shortlist_database_up", "gauge", "1 if the database answered this scrape.")
    out.sample("shortlist_database_up", int(database_up))
    out.family("shortlist_broker_up", "gauge", "1 if the broker answered this scrape.")
    out.sample("shortlist_broker_up", int(broker_up))
    out.family("shortlist_metrics_scrape_seconds", "gauge", "Time spent computing these metrics.")
    out.sample("shortlist_metrics_scrape_seconds", round(time.perf_counter() - started, 6))
    return out.render()
