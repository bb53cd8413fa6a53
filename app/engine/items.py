"""One item (a file) of a batch: its page's facts, its history, and dismissing a failure.

Who may see or change an item is its batch's rule (app.accounts.permissions); an item of
someone else's batch looks exactly like a missing one. Retrying one item is
`app.engine.batches.retry_item`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from app.accounts.audit import record_admin_action
from app.accounts.permissions import check_act, check_read, is_admin
from app.db import get_engine
from app.errors import Conflict, NotFound
from app.models import Batch, Item, ItemAttempt, ItemStatus, utcnow

NOT_FOUND = "We could not find that file."
# More than anyone reads on one page; an item has at most MAX_ATTEMPTS per retry.
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Attempt:
    number: int
    worker: str | None
    started_at: datetime | None
    ended_at: datetime
    outcome: str
    error: str | None
    detail: str | None  # an unexpected error's traceback: admins only, else None
    lane: str

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class ItemDetails:
    item: Item
    batch: Batch
    attempts: list[Attempt]  # oldest first


def _load(item_id: int) -> tuple[Item | None, Batch | None]:
    if not 1 <= item_id < 2**63:  # no such id (and the database refuses larger ones)
        return None, None
    with Session(get_engine()) as session:
        item = session.get(Item, item_id)
        return item, (session.get(Batch, item.batch_id) if item is not None else None)


def _visible(user, item_id: int, check=check_read) -> tuple[Item, Batch]:
    item, batch = _load(item_id)
    if item is None:
        raise NotFound(NOT_FOUND)
    try:
        check(user, batch)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    return item, batch


def history(item_id: int, *, with_detail: bool) -> list[Attempt]:
    t = ItemAttempt.__table__
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(t.c.number, t.c.worker, t.c.started_at, t.c.ended_at, t.c.outcome,
                   t.c.error, t.c.detail, t.c.lane)
            .where(t.c.item_id == item_id).order_by(t.c.id).limit(HISTORY_LIMIT)).all()
    return [Attempt(number=r.number, worker=r.worker, started_at=r.started_at,
                    ended_at=r.ended_at, outcome=r.outcome, error=r.error,
                    detail=r.detail if with_detail else None, lane=r.lane) for r in rows]


def item_details(user, item_id: int) -> ItemDetails:
    """The item, its batch and every attempt; the tracebacks only for admins."""
    item, batch = _visible(user, item_id)
    return ItemDetails(item=item, batch=batch,
                       attempts=history(item.id, with_detail=is_admin(user)))


def dismiss(user, item_id: int) -> Item:
    """Leave a failed file as it is: it leaves the failures view and "retry failed files"
    (it can still be retried on its own, which clears this)."""
    item, batch = _visible(user, item_id, check=check_act)
    if item.status != ItemStatus.failed.value:
        raise Conflict("Only a file that failed can be dismissed.")
    if item.dismissed_at is not None:
        return item
    now = utcnow()
    with Session(get_engine()) as session:
        session.execute(update(Item.__table__).where(
            Item.__table__.c.id == item.id, Item.__table__.c.status == ItemStatus.failed.value)
            .values(dismissed_at=now))
        record_admin_action(session, user, "dismiss", batch.id, item_id=item.id, file=item.name)
        session.commit()
        return session.get(Item, item.id)
