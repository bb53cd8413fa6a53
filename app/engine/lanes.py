"""Pausing and resuming lanes: the one home of the rule.

A paused lane gets nothing new from the dispatcher: no first window of a submission, no
release of the next item when one ends, no top-up. What is already in the broker
finishes, retries of those items included. The state is a row in `lane_state`, so it
survives restarts; the checks read it in the same statement or transaction that would
release work (app.engine.transitions, app.engine.hotpath), so there is no cache to go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.accounts.audit import record_admin_action
from app.accounts.permissions import check_active, check_admin_action, is_admin
from app.db import get_engine
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.models import Batch, LaneState, User, utcnow
from app.settings import LANES

lane_t = LaneState.__table__
batch_t = Batch.__table__


@dataclass(frozen=True)
class LaneControl:
    lane: str
    paused: bool
    changed_at: datetime | None
    changed_by: int | None


def _check_lane(lane: str) -> str:
    if lane not in LANES:
        raise InvalidInput(f"Unknown lane {lane!r}: use one of {', '.join(LANES)}.")
    return lane


def paused_lanes(conn: Connection | None = None) -> set[str]:
    """The lanes paused right now."""
    query = select(lane_t.c.lane).where(lane_t.c.paused.is_(True))
    if conn is not None:
        return set(conn.execute(query).scalars())
    with get_engine().connect() as own:
        return set(own.execute(query).scalars())


def lane_open(batch_id: ColumnElement) -> ColumnElement[bool]:
    """SQL: the lane of the batch `batch_id` is not paused. Every statement that releases
    items to the broker carries it, so a pause holds from its commit on."""
    owner = batch_t.alias("lane_of_batch")  # never correlated with an outer batch table
    return ~exists(select(lane_t.c.lane).select_from(
        lane_t.join(owner, owner.c.lane == lane_t.c.lane))
        .where(owner.c.id == batch_id, lane_t.c.paused.is_(True))
        .correlate_except(lane_t, owner))


def is_paused(conn: Connection, lane: str) -> bool:
    return conn.execute(select(lane_t.c.paused).where(lane_t.c.lane == lane)).scalar() is True


def controls(user: User) -> list[LaneControl]:
    """Every lane, paused or not, in priority order (admins, read-only ones too)."""
    check_active(user)
    if not is_admin(user):
        raise PermissionDenied("Only an admin can see the lanes.")
    with get_engine().connect() as conn:
        rows = {r.lane: r for r in conn.execute(select(lane_t))}
    return [LaneControl(lane, bool(rows[lane].paused) if lane in rows else False,
                        rows[lane].changed_at if lane in rows else None,
                        rows[lane].changed_by if lane in rows else None) for lane in LANES]


def _set(user: User, lane: str, paused: bool) -> None:
    check_admin_action(user, "pause or resume a lane")
    _check_lane(lane)
    now = utcnow()
    with Session(get_engine()) as session:
        row = session.get(LaneState, lane, with_for_update=True)
        if row is not None and row.paused == paused:
            raise Conflict(f"The {lane} lane is already {'paused' if paused else 'running'}.")
        if row is None:
            if not paused:
                raise Conflict(f"The {lane} lane is already running.")
            row = LaneState(lane=lane)
        row.paused, row.changed_at, row.changed_by = paused, now, user.id
        session.add(row)
        record_admin_action(session, user, "pause_lane" if paused else "resume_lane", lane=lane)
        session.commit()


def pause(user: User, lane: str) -> None:
    """Stop releasing work to `lane`; what is in the broker already still runs."""
    _set(user, lane, True)


def resume(user: User, lane: str) -> None:
    """Release work to `lane` again. The batch service's resume_lane also tops its active
    batches up at once: call that one."""
    _set(user, lane, False)
