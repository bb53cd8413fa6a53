"""The housekeeping jobs: each wires one `app` function to an interval from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from app.admin import stats
from app.engine import batches, dispatch, housekeeping, leases
from app.settings import Settings


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    interval_s: int


def top_up() -> dict[str, int]:
    """Safety net: any active batch with room in its share gets its next items sent."""
    return {"sent": batches.top_up_all()}


def jobs(settings: Settings) -> list[Job]:
    return [
        Job("lease_sweep", leases.sweep, settings.sweep_interval_s),
        Job("top_up", top_up, settings.top_up_interval_s),
        Job("batch_timeout", housekeeping.time_out_batches, settings.timeout_interval_s),
        Job("cleanup", housekeeping.purge_expired, settings.cleanup_interval_s),
        Job("stats", stats.roll_up, settings.stats_interval_s),
        Job("notifications", dispatch.resend_lost_notifications, settings.timeout_interval_s),
    ]


def describe(result: Any) -> str:
    if is_dataclass(result):
        result = asdict(result)
    if isinstance(result, dict):
        return " ".join(f"{k}={v}" for k, v in result.items())
    return str(result)
