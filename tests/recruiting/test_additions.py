"""Resumes added to a screening, running or finished (issue 23, part 4): numbered after
its last one, counted, screened, ranked with the rest; a finished screening opens again
and its reports are rebuilt with the new rows; limits as for a new screening."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.db import get_engine
from app.engine import additions, batches
from app.engine.batches import NewItem
from app.errors import Conflict, NotFound, PermissionDenied, QuotaExceeded, TooLarge
from app.models import Document
from tests.analysis import factories
from tests.api.conftest import set_setting
from tests.conftest import wait_until
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    load,
    make_user,
    wait_finished,
)

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU.",
           "must_have": ["BLS"]}


def _report_names(batch_id) -> list[str]:
    document_t = Document.__table__
    with get_engine().connect() as conn:
        data = conn.execute(select(document_t.c.content).where(
            document_t.c.id == load(batch_id).report_csv_id)).scalar_one()
    return [row[2] for row in list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]]


def test_resumes_added_to_a_finished_screening_are_screened_and_reported(stack):
    owner = make_user(plan="basic")
    batch = batches.submit(owner, kind="resume", params=OPENING,
                           items=[NewItem("sales.txt", factories.SALES.encode())])
    with stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
        wait_until(lambda: load(batch.id).report_csv_id, message="the first reports")
        assert _report_names(batch.id) == ["sales.txt"]
        first_reports = (load(batch.id).report_csv_id, load(batch.id).report_xlsx_id)

        grown = additions.add_items(owner, batch.id, [
            NewItem("nurse.docx", factories.make_docx(factories.NURSE)),
            NewItem("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR))])
        assert (grown.total, grown.status, grown.finished_at, grown.expires_at) == (
            3, "running", None, None)
        done = wait_finished(batch.id, timeout=120)
        wait_until(lambda: load(batch.id).report_csv_id not in (None, first_reports[0]),
                   message="the rebuilt reports")
    assert done.status == "done"
    assert assert_counters_match_items(batch.id) == {
        "pending": 0, "queued": 0, "running": 0, "done": 3, "failed": 0, "cancelled": 0}
    assert [(i.seq, i.name) for i in sorted(items(batch.id), key=lambda i: i.seq)] == [
        (0, "sales.txt"), (1, "nurse.docx"), (2, "dev.pdf")]
    assert _report_names(batch.id)[0] == "nurse.docx"  # ranked with the rest
    assert sorted(_report_names(batch.id)) == ["dev.pdf", "nurse.docx", "sales.txt"]
    assert load(batch.id).expires_at is not None
    # The first reports were replaced, not left behind
    document_t = Document.__table__
    with get_engine().connect() as conn:
        assert conn.execute(select(document_t.c.id).where(
            document_t.c.id.in_(first_reports))).all() == []


def test_limits_and_permissions_are_those_of_a_new_screening(stack, monkeypatch):
    owner, other = make_user(plan="free"), make_user()
    batch = batches.submit(owner, kind="resume", params=OPENING, dispatch=False,
                           items=[NewItem(f"{i}.txt", b"Jane Doe, nurse") for i in range(49)])
    with pytest.raises(QuotaExceeded, match="this one has 49 and 2 more would make 51"):
        additions.add_items(owner, batch.id, [NewItem("a.txt", b"x"), NewItem("b.txt", b"y")])
    with pytest.raises(NotFound):
        additions.add_items(other, batch.id, [NewItem("a.txt", b"x")])
    with pytest.raises(PermissionDenied):
        additions.add_items(make_user(role="readonly_admin"), batch.id, [NewItem("a.txt", b"x")])
    set_setting(monkeypatch, "max_file_bytes", 3)
    with pytest.raises(TooLarge):
        additions.add_items(owner, batch.id, [NewItem("big.txt", b"four")])
    assert load(batch.id).total == 49 and len(items(batch.id)) == 49
    batches.cancel(owner, batch.id)
    with pytest.raises(Conflict, match="was cancelled"):
        additions.add_items(owner, batch.id, [NewItem("a.txt", b"x")])
    assert load(batch.id).total == 49
