"""Operations routes for admins: lanes, workers and the daily statistics. Thin: they call
app.admin.metrics, app.admin.workers and app.admin.daily."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.admin import daily, metrics, workers
from app.models import Lane
from ui.api.auth import UserDep
from ui.api.models import LaneListOut, LaneOut, WorkerListOut, WorkerOut
from ui.api.openapi import errors_doc

router = APIRouter(tags=["operations"])


@router.get("/lanes", response_model=LaneListOut, summary="Per-lane statistics (admin)",
            description="Queue depth in the broker, unfinished items in the database, and"
                        " items done and failed in the last hour, per lane.",
            responses=errors_doc(401, 403))
def list_lanes(user: UserDep) -> LaneListOut:
    return LaneListOut(data=[LaneOut.of(s) for s in metrics.lane_stats(user)])


@router.get("/workers", response_model=WorkerListOut, summary="Worker processes (admin)",
            description="Each worker process as it reports itself (host, pid, lanes, threads,"
                        " the items it is on; `lost` when not heard from within its"
                        " heartbeat window), then the other processes the broker knows.",
            responses=errors_doc(401, 403))
def list_workers(user: UserDep) -> WorkerListOut:
    reported = workers.list_workers(user)
    processes = metrics.workers(user)
    # A worker's broker entry is the same process: list it once, with its details.
    claimed = {w.broker_id for w in reported if w.broker_id}
    data = [WorkerOut.of_worker(w) for w in reported] + \
           [WorkerOut.of(p) for p in processes if p.broker_id not in claimed]
    return WorkerListOut(data=data, alive=sum(1 for w in data if w.alive))


class DailyStatsOut(BaseModel):
    day: date = Field(description="A UTC day.")
    lane: Lane
    submitted: int = Field(description="Items of screenings submitted that day.")
    done: int = Field(description="Items that ended done that day.")
    failed: int = Field(description="Items that ended failed that day.")
    avg_ms: float | None = Field(description="Average processing time of the items done"
                                             " that day (null: none was done).")
    p95_ms: float | None = Field(description="95th percentile of that time; with several"
                                             " kinds of work in the lane, the slowest"
                                             " kind's.")
    peak_queue_depth: int = Field(description="The most messages waiting in the lane's"
                                              " queue that a roll-up saw that day.")

    @classmethod
    def of(cls, row: daily.LaneDay) -> DailyStatsOut:
        return cls(day=row.day, lane=row.lane, submitted=row.submitted, done=row.done,
                   failed=row.failed, avg_ms=row.avg_ms, p95_ms=row.p95_ms,
                   peak_queue_depth=row.peak_queue_depth)


class DailyStatsListOut(BaseModel):
    data: list[DailyStatsOut]
    since: date = Field(description="The first day of the window (UTC).")
    until: date = Field(description="The last day of the window: today (UTC).")
    note: str = ("One entry per day and lane, the newest day first; a day without items"
                 " submitted or ended in a lane has no entry. Recomputed every few minutes.")


@router.get("/stats/daily", response_model=DailyStatsListOut,
            summary="Daily statistics per lane (admin)",
            description="Per day and lane over the last `days` days (today included): items"
                        " submitted, done and failed, average and p95 processing time, and"
                        " the peak queue depth.",
            responses=errors_doc(401, 403, 422))
def daily_stats(
    user: UserDep,
    days: Annotated[int, Query(ge=1, le=daily.MAX_DAYS,
                               description="How many days back, today included.")]
    = daily.DEFAULT_DAYS,
    lane: Annotated[Lane | None, Query(description="Only this lane.")] = None,
) -> DailyStatsListOut:
    since, until = daily.window(days)
    rows = daily.daily(user, days=days, lane=lane.value if lane else None, today=until)
    return DailyStatsListOut(data=[DailyStatsOut.of(r) for r in rows], since=since,
                             until=until)
