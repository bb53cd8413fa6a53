"""Screen resumes again for another opening, without uploading them: an earlier
screening's, or chosen candidates' from the pool (their latest file each).

The new batch's items point at the earlier batch's documents (nothing is copied), and the
resume kind reuses what was read from each file (app.engine.readings): a re-screen costs
the scoring, not the reading. Deleting either batch keeps the documents the other uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.db import get_engine
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput, NotFound
from app.models import Batch, CandidateItem, Item, User, utcnow
from app.recruiting import candidates

item_t = Item.__table__
link_t = CandidateItem.__table__


def rescreen(user: User, source_id: uuid.UUID | str, *, params: dict[str, Any],
             title: str = "", lane: str | None = None,
             idempotency_key: str | None = None, callback_url: str | None = None) -> Batch:
    """A new resume batch of `source_id`'s files (every one, in their order) for the
    opening `params`. The user must be able to read the source (else NotFound) and to
    submit (plan quota and lanes as for an upload)."""
    source = batches.get_batch(user, source_id)
    if source.kind != "resume":
        raise InvalidInput("Only a screening of resumes can be screened again.")
    if source.expires_at is not None and source.expires_at <= utcnow():
        raise InvalidInput("This screening's resumes are no longer kept: upload them again.")
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(item_t.c.name, item_t.c.document_id)
            .where(item_t.c.batch_id == source.id, item_t.c.document_id.is_not(None))
            .order_by(item_t.c.seq)
        ).all()
    if not rows:
        raise InvalidInput("This screening has no resumes left to screen again.")
    return batches.submit(user, kind="resume", params=params, title=title, lane=lane,
                          items=[NewItem(name, document_id=doc) for name, doc in rows],
                          idempotency_key=idempotency_key, callback_url=callback_url)


def screen_candidates(user: User, candidate_ids: Sequence[int], *, params: dict[str, Any],
                      title: str = "", lane: str | None = None,
                      idempotency_key: str | None = None, callback_url: str | None = None) -> Batch:
    """A new resume batch of the chosen candidates' latest files, in the order given, for
    the opening `params`. Every candidate must be in the user's own pool (else NotFound)."""
    ids = list(dict.fromkeys(int(i) for i in candidate_ids))
    if not ids:
        raise InvalidInput("Choose at least one candidate to screen.")
    if candidates.owned(user, ids) != ids:
        raise NotFound("We could not find some of those candidates.")
    with get_engine().connect() as conn:
        latest: dict[int, tuple[str, int]] = {}
        for cid, name, document_id in conn.execute(
                select(link_t.c.candidate_id, item_t.c.name, item_t.c.document_id)
                .join(item_t, item_t.c.id == link_t.c.item_id)
                .where(link_t.c.candidate_id.in_(ids), item_t.c.document_id.is_not(None))
                .order_by(item_t.c.id.desc())):
            latest.setdefault(cid, (name, document_id))
    if len(latest) != len(ids):
        raise InvalidInput("Some of these candidates have no resume kept any more.")
    return batches.submit(user, kind="resume", params=params, title=title, lane=lane,
                          items=[NewItem(latest[cid][0], document_id=latest[cid][1]) for cid in ids],
                          idempotency_key=idempotency_key, callback_url=callback_url)
