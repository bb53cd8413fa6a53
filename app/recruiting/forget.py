"""Forget a candidate: resumes are personal data, and a recruiter (or an admin) may delete
one person from everywhere at once.

Every file of the candidate goes from every screening that holds it: the items and their
results, their file names, the documents no other item uses (with what was read from
them), and the candidate with their keys. Each screening's counters lose those files and
its summary and reports are rebuilt without them; a screening left with no file is
deleted. Screenings still running are refused (their workers may hold the files). The
audit log records that it happened and how many files, never who or what.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict

from sqlalchemy import delete, select
from sqlmodel import Session

from app.accounts.audit import record_action
from app.accounts.permissions import check_act, check_active, is_teammate
from app.db import get_engine
from app.engine import batches, counters, finalize
from app.engine.documents import delete_unused
from app.errors import Conflict, NotFound
from app.models import (
    BATCH_FINISHED,
    Batch,
    Candidate,
    CandidateItem,
    FileName,
    Item,
    ItemStatus,
    User,
    utcnow,
)
from app.recruiting.candidates import NOT_FOUND

candidate_t, link_t, item_t = Candidate.__table__, CandidateItem.__table__, Item.__table__
batch_t, file_name_t = Batch.__table__, FileName.__table__


def forget_candidate(user: User, candidate_id: int) -> dict[str, int]:
    """Delete the candidate and every file of theirs; returns {"files", "screenings"}."""
    check_active(user)
    with get_engine().connect() as conn:
        owner_id = conn.execute(select(candidate_t.c.owner_id).where(
            candidate_t.c.id == candidate_id)).scalar()
    if owner_id is None or not (user.role == "admin" or (
            user.role != "readonly_admin" and is_teammate(user, owner_id))):
        # Read-only admins and everyone else: as if there were no such candidate
        raise NotFound(NOT_FOUND)
    finished = [s.value for s in BATCH_FINISHED]
    with get_engine().begin() as conn:
        rows = conn.execute(
            select(item_t.c.id, item_t.c.batch_id, item_t.c.status, item_t.c.seq,
                   item_t.c.document_id)
            .join(link_t, link_t.c.item_id == item_t.c.id)
            .where(link_t.c.candidate_id == candidate_id)).all()
        by_batch: dict[uuid.UUID, list] = defaultdict(list)
        for row in rows:
            by_batch[row.batch_id].append(row)
        states = {}
        for batch_id in sorted(by_batch):  # locked in id order, as the workers do
            batch = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)
                                 .with_for_update()).first()
            check_act(user, batches.get_batch(user, batch_id))
            if batch.status not in finished:
                raise Conflict("One of this candidate's screenings is still running: try"
                               " again once it has ended.")
            states[batch_id] = batch
        now = utcnow()
        for batch_id, items in by_batch.items():
            conn.execute(delete(file_name_t).where(file_name_t.c.batch_id == batch_id,
                                                   file_name_t.c.seq.in_([r.seq for r in items])))
            conn.execute(delete(item_t).where(item_t.c.id.in_([r.id for r in items])))
            gone = Counter(ItemStatus(r.status) for r in items)
            counters.move_counters(
                conn, batch_id, {status: -n for status, n in gone.items()}, now,
                extra={"total": states[batch_id].total - len(items), "summary": None})
        delete_unused(conn, [r.document_id for r in rows if r.document_id is not None])
        conn.execute(delete(candidate_t).where(candidate_t.c.id == candidate_id))
        with Session(bind=conn) as session:
            record_action(session, user, "forget_candidate", None, files=len(rows),
                          screenings=len(by_batch))
            session.commit()
    for batch_id, batch in states.items():
        if batch.total == len(by_batch[batch_id]):
            batches.delete(user, batch_id)  # nothing of it is left
        else:
            finalize.finalize_batch(batch_id)  # the summary and reports, without them
    return {"files": len(rows), "screenings": len(by_batch)}
