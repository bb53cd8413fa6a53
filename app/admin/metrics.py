"""What operators watch: per-lane statistics, broker processes, Prometheus text exposition.

Every number comes from a cheap query: batch counts by status and lane (ix_batch_status_lane),
item counts from the batch counters (which always equal the counts of their items, so
a million items cost a scan of the batch table, not of the item table), items finished in
a recent window, by lane and minute (ix_item_finished_at), the oldest waiting item per lane
(active batches only), queue depths from the broker, broker processes from Dramatiq's
heartbeats and worker processes from their own reports (app.admin.workers). Workers export their
own cumulative metrics through Dramatiq's Prometheus middleware; this process exports the
system's state.

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

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from app.accounts.permissions import check_admin_read
from app.admin import workers as app_workers
from app.db import get_engine
from app.engine import lanes as lane_control
from app.engine.broker import get_broker, queue_depths
from app.models import (
    BATCH_ACTIVE,
    AttemptOutcome,
    Batch,
    BatchStatus,
    Item,
    ItemAttempt,
    ItemStatus,
    User,
    utcnow,
)
from app.settings import LANES, get_settings

log = logging.getLogger("shortlist.metrics")
batch_t, item_t, attempt_t = Batch.__table__, Item.__table__, ItemAttempt.__table__

BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
MAX_RECENT_ITEMS = 10_000
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_COUNTERS = [s.value for s in ItemStatus]


def _window_s() -> int:
    return get_settings().metrics_window_s


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


def active_by_lane(conn: Connection) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        select(batch_t.c.lane, func.count(), func.sum(batch_t.c.n_pending),
               func.sum(batch_t.c.n_queued), func.sum(batch_t.c.n_running))
        .where(batch_t.c.status.in_([s.value for s in BATCH_ACTIVE]))
        .group_by(batch_t.c.lane)
    ).all()
    return {lane: {"batches": int(n), "pending": int(p or 0), "queued": int(q or 0),
                   "running": int(r or 0)} for lane, n, p, q, r in rows}


def epoch_bucket(column: ColumnElement, seconds: int, dialect: str) -> ColumnElement:
    """Which slice of time (60 or 3600 seconds, in UTC) `column` falls in; bucket_index()
    turns a row's value into the slice's number since the epoch."""
    if dialect == "postgresql":
        # date_trunc is much cheaper per row than epoch arithmetic on numerics; in UTC, so
        # the session's time zone (a +05:30 one, say) never shifts the hours.
        unit = {60: "minute", 3600: "hour"}[seconds]
        return func.date_trunc(unit, func.timezone("UTC", column))
    return cast(func.strftime("%s", column), Integer) // seconds  # integer division


def bucket_index(value: object, seconds: int) -> int:
    if isinstance(value, datetime):
        return int(value.replace(tzinfo=timezone.utc).timestamp()) // seconds
    return int(value)


def finished_by_minute(conn: Connection, since: datetime) -> dict[tuple[str, str, int], int]:
    """Attempts that ended done or failed since `since`: {(lane, outcome, minute since the
    epoch): count}. Counted from the item history (item_attempt), in the lane each ran in:
    a later retry or move of the batch never moves them to another minute or lane.

    At most 4 lanes x 2 outcomes x 61 minutes of rows, read from ix_item_attempt_ended.
    """
    minute = epoch_bucket(attempt_t.c.ended_at, 60, conn.dialect.name).label("minute")
    rows = conn.execute(
        select(attempt_t.c.lane, attempt_t.c.outcome, minute, func.count())
        .where(attempt_t.c.ended_at >= since,
               attempt_t.c.outcome.in_([AttemptOutcome.done.value, AttemptOutcome.failed.value]))
        .group_by(attempt_t.c.lane, attempt_t.c.outcome, minute)
    ).all()
    return {(lane, outcome, bucket_index(m, 60)): int(n) for lane, outcome, m, n in rows}


def totals_by_lane(by_minute: dict[tuple[str, str, int], int]) -> dict[tuple[str, str], int]:
    """{(lane, status): count} from finished_by_minute's rows."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for (lane, status, _), n in by_minute.items():
        totals[(lane, status)] += n
    return totals


def oldest_waiting(conn: Connection) -> dict[str, datetime]:
    """Per lane, since when its oldest waiting item (pending or queued) has waited.

    A pending item waits since its batch was submitted; a queued one since it was queued
    (a retry queues it again). Only active batches have waiting items, so this reads the
    active batches (ix_batch_status_lane) and their queued items (ix_item_batch_status_id).
    """
    active = batch_t.c.status.in_([s.value for s in BATCH_ACTIVE])
    pending = conn.execute(
        select(batch_t.c.lane, func.min(batch_t.c.created_at))
        .where(active, batch_t.c.n_pending > 0).group_by(batch_t.c.lane)).all()
    queued = conn.execute(
        select(batch_t.c.lane, func.min(item_t.c.queued_at))
        .select_from(batch_t).join(item_t, item_t.c.batch_id == batch_t.c.id)
        .where(active, batch_t.c.n_queued > 0, item_t.c.status == ItemStatus.queued.value)
        .group_by(batch_t.c.lane)).all()
    oldest: dict[str, datetime] = {}
    for lane, moment in [*pending, *queued]:
        if moment is None:
            continue
        if moment.tzinfo is None:  # SQLite returns naive UTC
            moment = moment.replace(tzinfo=timezone.utc)
        if lane not in oldest or moment < oldest[lane]:
            oldest[lane] = moment
    return oldest


def depths_or_none() -> dict[str, int] | None:
    try:
        return queue_depths()
    except Exception as exc:  # noqa: BLE001  (broker down: say so, count the rest)
        log.warning("queue depths unavailable: %s", exc)
        return None


def build_lane_stats(active: dict[str, dict[str, int]],
                     finished: dict[tuple[str, str], int],
                     depths: dict[str, int] | None) -> list[LaneStats]:
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


def lane_stats(user: User, now: datetime | None = None) -> list[LaneStats]:
    """Per lane: broker queue depth, unfinished items in the database, last hour's results."""
    check_admin_read(user, "the lanes")
    now = now or utcnow()
    depths = depths_or_none()
    with get_engine().connect() as conn:
        active = active_by_lane(conn)
        finished = totals_by_lane(finished_by_minute(conn, now - timedelta(hours=1)))
    return build_lane_stats(active, finished, depths)


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
            paused = lane_control.paused_lanes(conn)
            waiting = oldest_waiting(conn)
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
    out.family("shortlist_lane_paused", "gauge", "1 if an admin paused the lane.")
    for lane in LANES:
        out.sample("shortlist_lane_paused", int(lane in paused), lane=lane)
    out.family("shortlist_oldest_waiting_seconds", "gauge",
               "How long the lane's oldest waiting (pending or queued) item has waited.")
    for lane in LANES:
        since = waiting.get(lane)
        out.sample("shortlist_oldest_waiting_seconds",
                   0 if since is None else round(max(0.0, (now - since).total_seconds()), 3),
                   lane=lane)
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
    depths = depths_or_none()
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
    try:
        reported = app_workers.read_reports()
    except Exception as exc:  # noqa: BLE001
        log.warning("metrics: worker reports unavailable: %s", exc)
    else:
        now_s = time.time()
        states = [app_workers.state_of(r, now_s) for r in reported]
        out.family("shortlist_workers", "gauge",
                   "Worker processes by state, from their own heartbeats (lost: not heard"
                   " from within WORKER_LOST_AFTER_S).")
        for state in (app_workers.RUNNING, app_workers.LOST, app_workers.STOPPED):
            out.sample("shortlist_workers", states.count(state), state=state)
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
