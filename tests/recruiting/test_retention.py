"""Retention the recruiter controls (issue 23, part 6): a finished screening says how long
it is kept, its owner keeps it longer (within RETENTION_MAX_DAYS) or deletes it now, and
a deletion leaves nothing of it behind (items, results, files, readings, reports, names)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.engine import batches
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import (
    Batch,
    Document,
    DocumentReading,
    FileName,
    Item,
    utcnow,
)
from app.recruiting import rescreen, retention
from tests.admin_views.conftest import audit_rows
from tests.analysis import factories
from tests.engine.helpers import count_rows, load, make_user, wait_finalized

OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}


def _finished(stack, user):
    batch = batches.submit(user, kind="resume", params=OPENING, items=[
        batches.NewItem("nurse.txt", factories.NURSE.encode()),
        batches.NewItem("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR))])
    with stack.worker(threads=2):
        wait_finalized(batch.id, timeout=120)
    return batch


def test_the_owner_keeps_a_finished_screening_longer_within_the_limit(stack):
    owner = make_user()
    batch = _finished(stack, owner)
    first = load(batch.id).expires_at
    assert timedelta(days=6, hours=23) < first - utcnow() <= timedelta(days=7)

    kept = retention.keep(owner, batch.id, 90)
    assert timedelta(days=89, hours=23) < kept.expires_at - utcnow() <= timedelta(days=90)
    with pytest.raises(InvalidInput, match="1 to 90 days"):
        retention.keep(owner, batch.id, 91)
    with pytest.raises(NotFound):
        retention.keep(make_user(), batch.id, 30)
    with pytest.raises(PermissionDenied):
        retention.keep(make_user(role="readonly_admin"), batch.id, 30)
    running = batches.submit(owner, kind="resume", params=OPENING,
                             items=[batches.NewItem("a.txt", b"Ann")], dispatch=False)
    with pytest.raises(Conflict, match="still running"):
        retention.keep(owner, running.id, 30)
    assert load(batch.id).expires_at == kept.expires_at
    [row] = audit_rows("keep")
    assert (row["actor_id"], row["batch_id"], row["details"]["days"]) == (owner.id, batch.id, 90)


def test_the_owner_deletes_a_screening_and_nothing_of_it_stays(stack):
    owner = make_user()
    batch = _finished(stack, owner)
    assert (count_rows(Document), count_rows(DocumentReading)) == (2 + 2, 2)  # + reports
    batches.delete(owner, batch.id)
    assert [count_rows(m) for m in (Batch, Item, Document, DocumentReading, FileName)] == [
        0, 0, 0, 0, 0]
    # The audit log says it happened, not what it held
    [row] = audit_rows("delete")
    assert (row["actor_id"], row["batch_id"], row["details"]["items"]) == (
        owner.id, batch.id, 2)
    assert "nurse.txt" not in str(row["details"]) and "dev.pdf" not in str(row["details"])


def test_a_screening_screened_again_keeps_its_files_until_both_are_deleted(stack):
    owner = make_user()
    first = _finished(stack, owner)
    again = rescreen.rescreen(owner, first.id, params={"title": "Developer"})
    with stack.worker(threads=2):
        wait_finalized(again.id, timeout=120)
    batches.delete(owner, first.id)
    assert (count_rows(Item), count_rows(DocumentReading)) == (2, 2)
    batches.delete(owner, again.id)
    assert [count_rows(m) for m in (Batch, Item, Document, DocumentReading)] == [0, 0, 0, 0]
