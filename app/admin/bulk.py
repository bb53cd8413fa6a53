"""Admin actions on many batches at once: a selection, or every batch matching a filter.

Each batch goes through the one per-batch rule (app.engine.batches.cancel, retry, move, delete):
nothing here decides what a batch may do. A batch that cannot take the action is skipped
and counted with the rule's own reason. Every per-batch action records its own audit row
(tagged with this bulk action's id, app.accounts.audit.part_of); the bulk action then records one
row with the batches it changed and skipped, and how many.

"Apply to all matching" exists for cancel and retry, capped by ADMIN_BULK_MAX_BATCHES: a
filter matching more is refused with the count. The confirmation states the count; if
more batches match when the action runs than were confirmed, it is refused too, so an
action never reaches more batches than the admin agreed to.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.accounts import audit
from app.accounts.permissions import check_admin_action
from app.admin import batch_search
from app.admin.batch_search import BatchFilter
from app.db import get_engine
from app.engine import batches
from app.errors import Conflict, InvalidInput, NotFound
from app.models import User
from app.settings import LANES, get_settings

ACTIONS = ("cancel", "retry", "move", "delete")
ALL_MATCHING_ACTIONS = ("cancel", "retry")
_WHAT = {"cancel": "cancel screenings", "retry": "retry screenings",
         "move": "move screenings to another lane", "delete": "delete screenings"}
# How far the count in a refusal goes ("12,345 screenings match"): beyond, "more than".
REFUSAL_COUNT_MAX = 100_000


class TooManyBatches(InvalidInput):
    """Too many screenings for one action."""

    code = "too_many_batches"


@dataclass(frozen=True)
class BulkResult:
    action: str
    changed: list[str] = field(default_factory=list)  # batch ids
    # The rule's reason -> the batches it kept from changing.
    skipped: dict[str, list[str]] = field(default_factory=dict)
    items: int = 0  # retry: files that will be tried again
    lane: str | None = None

    @property
    def n_skipped(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    @property
    def message(self) -> str:
        """What happened, in one or two sentences for the admin."""
        n = len(self.changed)
        done = {
            "cancel": f"{_screenings(n)} {'is' if n == 1 else 'are'} being cancelled.",
            "retry": f"{_count(self.items, 'failed file')} in {_screenings(n)} will be tried"
                     " again.",
            "move": f"{_screenings(n)} moved to the {self.lane} lane.",
            "delete": f"{_screenings(n)} deleted.",
        }[self.action]
        if n == 0:
            done = "Nothing was changed."
        if not self.skipped:
            return done
        reasons = "; ".join(f"{reason.rstrip('.')} ({len(ids)})"
                            for reason, ids in self.skipped.items())
        return f"{done} {_count(self.n_skipped, 'screening')} skipped: {reasons}."


@dataclass(frozen=True)
class Preview:
    """What an "apply to all matching" action would reach: the admin confirms this count."""

    action: str
    count: int
    cap: int


def _count(n: int, one: str) -> str:
    return f"{n:,} {one}" + ("" if n == 1 else "s")


def _screenings(n: int) -> str:
    return _count(n, "screening")


def _cap() -> int:
    return get_settings().admin_bulk_max_batches


def _check(user: User, action: str, lane: str | None = None) -> None:
    if action not in ACTIONS:
        raise InvalidInput(f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}.")
    check_admin_action(user, _WHAT[action])
    if action == "move" and lane not in LANES:
        raise InvalidInput(f"Choose the lane to move to: one of {', '.join(LANES)}.")


def _too_many(n: int, more: bool, cap: int, where: str) -> TooManyBatches:
    counted = f"More than {n:,}" if more else f"{n:,}"
    return TooManyBatches(
        f"{counted} screenings {where}, but one action may change at most {cap:,}. Narrow"
        " the filter (for example by status, lane or date) and try again, in parts.")


def describe(filters: BatchFilter) -> dict[str, Any]:
    """The filter as the audit log keeps it: only what was set."""
    out: dict[str, Any] = {}
    for key, value in asdict(filters).items():
        if value in (None, "", (), []):
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else \
            list(value) if isinstance(value, (list, tuple)) else value
    return out


def preview_all_matching(user: User, action: str, filters: BatchFilter) -> Preview:
    """How many batches "apply to all matching" would reach; refused above the cap."""
    if action not in ALL_MATCHING_ACTIONS:
        raise InvalidInput("Only cancel and retry can be applied to all matching screenings.")
    _check(user, action)
    cap = _cap()
    counted = batch_search.count_matching(user, filters, at_most=max(cap, REFUSAL_COUNT_MAX))
    if counted.n > cap or counted.more:
        raise _too_many(counted.n, counted.more, cap, "match this filter")
    return Preview(action, counted.n, cap)


def apply_all_matching(user: User, action: str, filters: BatchFilter, *,
                       confirmed: int) -> BulkResult:
    """Cancel or retry every batch matching `filters`, at most `confirmed` of them."""
    if action not in ALL_MATCHING_ACTIONS:
        raise InvalidInput("Only cancel and retry can be applied to all matching screenings.")
    _check(user, action)
    cap = _cap()
    ids = batch_search.matching_ids(user, filters, limit=cap + 1)
    if len(ids) > cap:
        counted = batch_search.count_matching(user, filters,
                                              at_most=max(cap, REFUSAL_COUNT_MAX))
        raise _too_many(counted.n, counted.more, cap, "match this filter")
    if len(ids) > confirmed:
        raise Conflict(f"{len(ids):,} screenings match now, more than the {confirmed:,} you"
                       " confirmed: more arrived meanwhile. Check the list and confirm again.")
    return _run(user, action, ids, scope="all_matching", filter=describe(filters),
                confirmed=confirmed)


def apply_to_selection(user: User, action: str, batch_ids: Sequence[uuid.UUID | str], *,
                       lane: str | None = None) -> BulkResult:
    """Cancel, retry, move (to `lane`) or delete the chosen batches."""
    _check(user, action, lane)
    ids = list(dict.fromkeys(batch_ids))
    if not ids:
        raise InvalidInput("Select at least one screening first.")
    cap = _cap()
    if len(ids) > cap:
        raise _too_many(len(ids), False, cap, "are selected")
    return _run(user, action, ids, scope="selection", lane=lane)


def _per_batch(user: User, action: str, lane: str | None) -> Callable[[uuid.UUID], int]:
    """The one rule for one batch; returns the files it will try again (retry), else 0."""

    def cancel(batch_id: uuid.UUID) -> int:
        batches.cancel(user, batch_id)
        return 0

    def retry(batch_id: uuid.UUID) -> int:
        return batches.retry(user, batch_id)

    def move(batch_id: uuid.UUID) -> int:
        if batches.get_batch(user, batch_id).lane == lane:
            raise Conflict(f"It is already in the {lane} lane.")
        batches.move(user, batch_id, lane)
        return 0

    def delete(batch_id: uuid.UUID) -> int:
        batches.delete(user, batch_id)
        return 0

    return {"cancel": cancel, "retry": retry, "move": move, "delete": delete}[action]


def _run(user: User, action: str, ids: list, *, scope: str, lane: str | None = None,
         **details: Any) -> BulkResult:
    bulk_id = str(uuid.uuid4())
    one = _per_batch(user, action, lane)
    changed: list[str] = []
    skipped: dict[str, list[str]] = {}
    items = 0
    finished = False
    try:
        with audit.part_of(bulk_id):
            for raw in ids:
                try:
                    items += one(batches.parse_batch_id(raw))
                except (Conflict, NotFound) as exc:
                    # NotFound: deleted meanwhile, or a stale id from an old page.
                    skipped.setdefault(exc.message, []).append(str(raw))
                    continue
                changed.append(str(raw))
        finished = True
    finally:
        # Also when something unexpected stopped it half-way: what changed is recorded.
        record(user, f"bulk_{action}", bulk=bulk_id, scope=scope, changed=len(changed),
               changed_ids=changed, skipped=sum(map(len, skipped.values())),
               skipped_ids=[i for ids_ in skipped.values() for i in ids_],
               skip_reasons={reason: len(ids_) for reason, ids_ in skipped.items()},
               **({"items": items} if action == "retry" else {}),
               **({"lane": lane} if lane else {}),
               **({} if finished else {"stopped_early": True}), **details)
    return BulkResult(action, changed, skipped, items, lane)


def record(user: User, action: str, **details: Any) -> None:
    """One audit row of its own transaction (a bulk action's summary)."""
    with get_engine().begin() as conn, Session(bind=conn) as session:
        audit.record_admin_action(session, user, action, None, **details)
        session.commit()

