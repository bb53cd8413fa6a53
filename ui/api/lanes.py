"""Operations routes for admins: lanes and workers. Thin: they call app.metrics."""

from __future__ import annotations

from fastapi import APIRouter

from app import metrics
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
            description="For now from the broker's heartbeats; richer details (host, queues,"
                        " threads, current items) will be added as new fields.",
            responses=errors_doc(401, 403))
def list_workers(user: UserDep) -> WorkerListOut:
    processes = metrics.workers(user)
    return WorkerListOut(data=[WorkerOut.of(p) for p in processes],
                         alive=sum(1 for p in processes if p.alive))
