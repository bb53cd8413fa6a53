"""Forget a candidate (issue 23, part 6): every file of theirs goes from every screening,
the counters and reports follow, nothing of them stays; the audit log says it happened."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.db import get_engine
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import Conflict, NotFound
from app.models import Batch, Candidate, Document, DocumentReading, FileName, Item
from app.recruiting import candidates
from app.recruiting.forget import forget_candidate
from tests.admin_views.conftest import audit_rows
from tests.analysis import factories
from tests.conftest import wait_until
from tests.engine.helpers import (
    assert_counters_match_items,
    count_rows,
    items,
    load,
    make_user,
    wait_finalized,
)

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU."}


def _screen(stack, user, files):
    batch = batches.submit(user, kind="resume", params=OPENING,
                           items=[NewItem(n, d) for n, d in files])
    with stack.worker(threads=2):
        wait_finalized(batch.id, timeout=120)
    return batch


def _batches() -> list:
    with get_engine().connect() as conn:
        return conn.execute(select(Batch.__table__.c.id)).all()


def _report_files(batch_id) -> list[str]:
    document_t = Document.__table__
    with get_engine().connect() as conn:
        data = conn.execute(select(document_t.c.content).where(
            document_t.c.id == load(batch_id).report_csv_id)).scalar_one()
    return sorted(r["file"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_forgetting_a_candidate_takes_every_file_of_theirs_from_everywhere(stack):
    owner = make_user()
    first = _screen(stack, owner, [("nurse.txt", factories.NURSE.encode()),
                                   ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR))])
    _screen(stack, owner, [("maria.docx", factories.make_docx(factories.NURSE))])
    pool = {c.name: c.id for c in candidates.search(owner).rows}
    assert _report_files(first.id) == ["dev.pdf", "nurse.txt"]

    with pytest.raises(NotFound):
        forget_candidate(make_user(), pool["Maria Garcia"])
    with pytest.raises(NotFound):
        forget_candidate(make_user(role="readonly_admin"), pool["Maria Garcia"])
    assert forget_candidate(owner, pool["Maria Garcia"]) == {"files": 2, "screenings": 2}

    # The first screening keeps Jane, with counters and reports to match
    assert [i.name for i in items(first.id)] == ["dev.pdf"]
    assert load(first.id).total == 1
    assert assert_counters_match_items(first.id)["done"] == 1
    wait_until(lambda: load(first.id).summary is not None, message="finalized again")
    assert _report_files(first.id) == ["dev.pdf"]
    # The screening that held only her is gone; nothing of her is left anywhere
    assert [b.id for b in _batches()] == [first.id]
    assert sorted(c.name for c in candidates.search(owner).rows) == ["Jane Doe"]
    assert count_rows(Batch) == 1 and count_rows(Item) == 1
    assert count_rows(FileName) == 1 and count_rows(DocumentReading) == 1
    assert count_rows(Document) == 1 + 2  # Jane's file and the first screening's reports
    assert count_rows(Candidate) == 1
    [row] = audit_rows("forget_candidate")
    assert (row["actor_id"], row["details"]["files"], row["details"]["screenings"]) == (
        owner.id, 2, 2)
    assert "maria" not in str(row["details"]).lower()


def test_a_candidate_in_a_running_screening_is_not_forgotten_yet(stack):
    owner = make_user()
    _screen(stack, owner, [("nurse.txt", factories.NURSE.encode())])
    maria = candidates.search(owner).rows[0].id
    running = batches.submit(owner, kind="resume", params=OPENING, dispatch=False,
                             items=[NewItem("again.txt", factories.NURSE.encode())])
    # As if its first file had been linked: the running screening holds one of her files
    from sqlalchemy import insert

    from app.models import CandidateItem
    with get_engine().begin() as conn:
        conn.execute(insert(CandidateItem.__table__).values(
            item_id=items(running.id)[0].id, candidate_id=maria))
    with pytest.raises(Conflict, match="still running"):
        forget_candidate(owner, maria)
    assert count_rows(Candidate) == 1 and len(items(running.id)) == 1
