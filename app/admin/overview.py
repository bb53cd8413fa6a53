"""The admin dashboard's numbers: computed once per web process, shared by every viewer.

`compute()` reads everything the overview, workers and lanes views show in one pass: per
lane the broker depth, the items pending, queued and running (batch counters), done and
failed in the last hour, the throughput per minute and the oldest waiting item
(app.admin.metrics); the pause state (lane_state); the throughput by minute for the last hour
and by hour for the last 7 days; the workers' own reports (app.admin.workers).

`shared` is this process's cache. Pages read it (`dashboard(user)`), never the database;
one background loop (`Refresher`) recomputes it every DASHBOARD_REFRESH_S while someone
is watching and tells the pages. The 7-day series changes slowly: its closed hours are
kept and re-read every WEEK_CLOSED_MAX_AGE_S (retries and retention change them a
little), the current hour at every refresh.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from app.accounts.permissions import check_admin_read
from app.admin import metrics
from app.admin import workers as app_workers
from app.db import get_engine
from app.errors import ShortlistError
from app.models import ItemStatus, LaneState, User, utcnow
from app.settings import LANES, get_settings

log = logging.getLogger("shortlist.overview")
attempt_t, lane_t, user_t = metrics.attempt_t, LaneState.__table__, User.__table__

MINUTES = 60  # the last hour, by minute
HOURS = 7 * 24  # the last 7 days, by hour
RATE_MINUTES = 5  # throughput per minute: the average of the last 5 complete minutes
WEEK_CLOSED_MAX_AGE_S = 300.0
_FINISHED = (ItemStatus.done.value, ItemStatus.failed.value)


class DashboardUnavailable(ShortlistError):
    """The dashboard cannot be shown now: the database did not answer. Try again soon."""

    code = "unavailable"


@dataclass(frozen=True)
class LaneOverview:
    lane: str
    paused: bool
    changed_at: datetime | None  # when an admin last paused or resumed it
    changed_by: str | None  # that admin's email
    queue_depth: int | None  # None: the broker did not answer
    active_batches: int
    pending: int
    queued: int
    running: int
    done_last_hour: int
    failed_last_hour: int
    per_minute: float
    oldest_waiting_since: datetime | None
    oldest_waiting_s: float | None


@dataclass(frozen=True)
class Series:
    """Items done and failed per time slice, oldest slice first."""

    start: datetime
    step_s: int
    done: tuple[int, ...]
    failed: tuple[int, ...]

    def starts(self) -> list[datetime]:
        return [self.start + timedelta(seconds=i * self.step_s) for i in range(len(self.done))]

    @property
    def failure_rate(self) -> float | None:
        finished = sum(self.done) + sum(self.failed)
        return sum(self.failed) / finished if finished else None


@dataclass(frozen=True)
class Dashboard:
    computed_at: datetime
    lanes: tuple[LaneOverview, ...]
    last_hour: Series
    last_week: Series
    workers: tuple[app_workers.WorkerInfo, ...]
    broker_up: bool
    workers_up: bool
    problem: str | None = None  # set when a refresh failed and these numbers are older
    engine_key: int = field(default=0, compare=False, repr=False)

    def lane(self, name: str) -> LaneOverview:
        return next(lane for lane in self.lanes if lane.lane == name)

    @property
    def done_last_hour(self) -> int:
        return sum(lane.done_last_hour for lane in self.lanes)

    @property
    def failed_last_hour(self) -> int:
        return sum(lane.failed_last_hour for lane in self.lanes)

    @property
    def failure_rate_last_hour(self) -> float | None:
        finished = self.done_last_hour + self.failed_last_hour
        return self.failed_last_hour / finished if finished else None

    def workers_in(self, state: str) -> int:
        return sum(1 for w in self.workers if w.state == state)


# --- Computing ---------------------------------------------------------------------------


def _controls(conn: Connection) -> dict[str, tuple[bool, datetime | None, str | None]]:
    rows = conn.execute(
        select(lane_t.c.lane, lane_t.c.paused, lane_t.c.changed_at, user_t.c.email)
        .select_from(lane_t.outerjoin(user_t, user_t.c.id == lane_t.c.changed_by))).all()
    return {lane: (bool(paused), _aware(at), email) for lane, paused, at, email in rows}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass(frozen=True)
class _Week:
    """The closed hours of the 7-day series, kept between refreshes."""

    engine_key: int
    current_hour: int  # hours since the epoch
    closed: dict[tuple[str, int], int]
    read_at: float  # time.monotonic()


def _by_hour(conn: Connection, since: datetime) -> dict[tuple[str, int], int]:
    """Attempts ended done or failed since `since`, by outcome and hour (the item history:
    a closed hour never changes)."""
    hour = metrics.epoch_bucket(attempt_t.c.ended_at, 3600, conn.dialect.name).label("hour")
    rows = conn.execute(
        select(attempt_t.c.outcome, hour, func.count())
        .where(attempt_t.c.ended_at >= since, attempt_t.c.outcome.in_(_FINISHED))
        .group_by(attempt_t.c.outcome, hour)).all()
    return {(outcome, metrics.bucket_index(h, 3600)): int(n) for outcome, h, n in rows}


def _week_series(conn: Connection, now: datetime, kept: _Week | None,
                 engine_key: int) -> tuple[Series, _Week]:
    current = int(now.timestamp()) // 3600
    first = current - HOURS + 1
    current_start = datetime.fromtimestamp(current * 3600, timezone.utc)
    if (kept is not None and kept.engine_key == engine_key and kept.current_hour == current
            and time.monotonic() - kept.read_at < WEEK_CLOSED_MAX_AGE_S):
        counts = {**kept.closed, **_by_hour(conn, current_start)}
    else:
        counts = _by_hour(conn, datetime.fromtimestamp(first * 3600, timezone.utc))
        kept = _Week(engine_key, current,
                     {k: n for k, n in counts.items() if k[1] < current}, time.monotonic())
    hours = range(first, current + 1)
    series = Series(datetime.fromtimestamp(first * 3600, timezone.utc), 3600,
                    tuple(counts.get((ItemStatus.done.value, h), 0) for h in hours),
                    tuple(counts.get((ItemStatus.failed.value, h), 0) for h in hours))
    return series, kept


def _workers() -> tuple[tuple[app_workers.WorkerInfo, ...], bool]:
    try:
        return tuple(app_workers.read_workers()), True
    except Exception as exc:  # noqa: BLE001  (Redis down: the rest still shows)
        log.warning("worker reports unavailable: %s", exc)
        return (), False


def compute(now: datetime | None = None, kept_week: _Week | None = None,
            ) -> tuple[Dashboard, _Week]:
    """Every number of the dashboard, now (no permission check: callers check)."""
    now = now or utcnow()
    engine = get_engine()
    key = id(engine)
    depths = metrics.depths_or_none()
    with engine.connect() as conn:
        active = metrics.active_by_lane(conn)
        by_minute = metrics.finished_by_minute(conn, now - timedelta(hours=1))
        waiting = metrics.oldest_waiting(conn)
        controls = _controls(conn)
        week, kept_week = _week_series(conn, now, kept_week, key)
    stats = metrics.build_lane_stats(active, metrics.totals_by_lane(by_minute), depths)
    current_minute = int(now.timestamp()) // 60
    recent = range(current_minute - RATE_MINUTES, current_minute)
    lanes = []
    for s in stats:
        finished_recently = sum(n for (lane, _, minute), n in by_minute.items()
                                if lane == s.lane and minute in recent)
        paused, changed_at, changed_by = controls.get(s.lane, (False, None, None))
        since = waiting.get(s.lane)
        lanes.append(LaneOverview(
            lane=s.lane, paused=paused, changed_at=changed_at, changed_by=changed_by,
            queue_depth=s.queue_depth, active_batches=s.active_batches, pending=s.pending,
            queued=s.queued, running=s.running, done_last_hour=s.done_last_hour,
            failed_last_hour=s.failed_last_hour,
            per_minute=round(finished_recently / RATE_MINUTES, 1),
            oldest_waiting_since=since,
            oldest_waiting_s=None if since is None else
            round(max(0.0, (now - since).total_seconds()), 1)))
    minutes = range(current_minute - MINUTES + 1, current_minute + 1)
    last_hour = Series(
        datetime.fromtimestamp(minutes[0] * 60, timezone.utc), 60,
        tuple(sum(by_minute.get((lane, ItemStatus.done.value, m), 0) for lane in LANES)
              for m in minutes),
        tuple(sum(by_minute.get((lane, ItemStatus.failed.value, m), 0) for lane in LANES)
              for m in minutes))
    workers, workers_up = _workers()
    return Dashboard(computed_at=now, lanes=tuple(lanes), last_hour=last_hour,
                     last_week=week, workers=workers, broker_up=depths is not None,
                     workers_up=workers_up, engine_key=key), kept_week


# --- The per-process cache ---------------------------------------------------------------


class DashboardCache:
    """The latest Dashboard of this process; thread-safe; one computation at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: Dashboard | None = None
        self._read_at = 0.0  # time.monotonic() of the latest computation
        self._week: _Week | None = None

    def latest(self) -> Dashboard | None:
        """The latest numbers of this process's database, without computing any."""
        latest = self._latest
        return latest if latest is not None and latest.engine_key == id(get_engine()) else None

    def age_s(self) -> float:
        """Seconds since the latest numbers were computed (infinite: none yet)."""
        return time.monotonic() - self._read_at if self.latest() is not None else float("inf")

    def _fresh(self, max_age_s: float) -> Dashboard | None:
        return self.latest() if self.age_s() <= max_age_s else None

    def get(self, max_age_s: float | None = None) -> Dashboard:
        """Numbers at most `max_age_s` old (default DASHBOARD_REFRESH_S), computed if older."""
        max_age_s = get_settings().dashboard_refresh_s if max_age_s is None else max_age_s
        fresh = self._fresh(max_age_s)
        if fresh is not None:
            return fresh
        with self._lock:  # viewers arriving together wait for one computation
            return self._fresh(max_age_s) or self._refresh_locked()

    def refresh(self) -> Dashboard:
        """Compute now (after an admin's action, or on the refresh interval)."""
        with self._lock:
            return self._refresh_locked()

    def _refresh_locked(self) -> Dashboard:
        try:
            dashboard, self._week = compute(kept_week=self._week)
        except Exception as exc:  # noqa: BLE001  (the database is down: say so, keep the last)
            log.warning("the dashboard's numbers could not be computed: %s", exc)
            latest = self.latest()
            if latest is None:
                raise DashboardUnavailable() from exc
            at = latest.computed_at.strftime("%H:%M:%S UTC")
            latest = replace(latest, problem="The database did not answer; these numbers"
                                             f" are from {at}.")
            self._latest = latest
            return latest
        self._latest, self._read_at = dashboard, time.monotonic()
        return dashboard

    def reset(self) -> None:
        with self._lock:
            self._latest, self._week, self._read_at = None, None, 0.0


shared = DashboardCache()


def dashboard(user: User) -> Dashboard:
    """The dashboard's numbers for an admin (read-only ones too), from this process's cache."""
    check_admin_read(user, "the dashboard")
    return shared.get()


def cached_dashboard(user: User, max_age_s: float) -> Dashboard | None:
    """The cached numbers if at most `max_age_s` old, else None; never queries (a page
    shows these at once and asks the refresher for newer ones)."""
    check_admin_read(user, "the dashboard")
    return shared.latest() if shared.age_s() <= max_age_s else None


# --- The refresh loop ---------------------------------------------------------------------


class Refresher:
    """One loop per web process: every DASHBOARD_REFRESH_S, while `wanted()` (someone is
    watching), recompute `cache` in a thread and hand the result to `on_refresh` on the
    event loop. Nobody watching: no queries, but one computation when the process starts,
    so the first admin to open the dashboard does not wait for the 7-day series."""

    def __init__(self, cache: DashboardCache, on_refresh: Callable[[Dashboard], None],
                 wanted: Callable[[], bool] = lambda: True,
                 interval_s: float | None = None) -> None:
        self.cache, self.on_refresh, self.wanted = cache, on_refresh, wanted
        self.interval_s = interval_s
        self._task: asyncio.Task | None = None
        self._catching_up: asyncio.Task | None = None
        self.runs = 0  # computations done by the loop (for tests)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(),
                                                                name="dashboard refresh")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def refresh_now(self) -> Dashboard:
        dashboard = await asyncio.get_running_loop().run_in_executor(None, self.cache.refresh)
        self.on_refresh(dashboard)
        return dashboard

    def catch_up(self) -> None:
        """A page was shown older numbers: get fresh ones (one computation however many
        pages ask) and hand them on."""
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        before = self.cache.latest()
        try:
            dashboard = await asyncio.get_running_loop().run_in_executor(None, self.cache.get)
        except Exception:  # noqa: BLE001  (the loop's next run says it, once)
            log.warning("the dashboard's numbers could not be refreshed", exc_info=True)
            return
        if dashboard is not before:
            self.on_refresh(dashboard)

    async def _loop(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.cache.get)
        except Exception as exc:  # noqa: BLE001  (the database may come up later)
            log.warning("the dashboard's numbers could not be computed at start: %s", exc)
        failing = False
        while True:
            await asyncio.sleep(self.interval_s or get_settings().dashboard_refresh_s)
            if not self.wanted():
                continue
            try:
                await self.refresh_now()
                self.runs += 1
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (logged once per outage; the loop goes on)
                if not failing:
                    log.exception("the dashboard refresh failed")
                failing = True
