"""Operations routes for admins: lanes and workers. Thin: they call app.admin.metrics and
app.admin.workers."""

from __future__ import annotations

from fastapi import APIRouter

from app.admin import metrics, workers
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
