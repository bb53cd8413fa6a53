"""Re-screening: an earlier screening's files for another opening, nothing uploaded again.

The files are shared (not copied), what was read from each is reused (a re-screen does not
open the documents), the scores are those of a first screening with the same opening, and
deleting either screening keeps what the other still uses.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.analysis import reading_version
from app.analysis.errors import DocumentError, ReadingLimit
from app.db import get_engine
from app.engine import batches, housekeeping, processing, readings
from app.engine.kinds import ItemWork, resume
from app.errors import InvalidInput, NotFound
from app.models import Batch, Document, DocumentReading, utcnow
from app.recruiting import rescreen, uploads
from tests.analysis import factories
from tests.engine.helpers import count_rows, items, make_user, wait_finalized

NURSE_OPENING = {"title": "Registered Nurse",
                 "description": "A registered nurse with patient care and BLS for our ICU.",
                 "must_have": ["Patient Care", "BLS"], "min_years": 2}
DEV_OPENING = {"title": "Backend Developer",
               "description": "A Python developer: Django, PostgreSQL, Docker, AWS.",
               "must_have": ["Python"], "min_years": 3}


def _files():
    return uploads.prepare([
        ("nurse.docx", factories.make_docx(factories.NURSE)),
        ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR)),
        ("sales.txt", factories.SALES.encode()),
        ("locked.pdf", factories.encrypted_pdf()),
    ]).items


def _screen(stack, user, **params):
    batch = batches.submit(user, kind="resume", items=_files(), params=params)
    with stack.worker(threads=2):
        return wait_finalized(batch.id, timeout=120)


def _by_name(batch_id):
    return {i.name: i for i in items(batch_id)}


def test_a_rescreen_shares_the_files_reuses_the_readings_and_scores_as_a_first_screening(
        stack, monkeypatch):
    user = make_user()
    first = _screen(stack, user, **NURSE_OPENING)
    # What was read from each file; for the locked PDF, why it could not be read
    assert count_rows(DocumentReading) == 4

    opened = []
    real_load = processing._load_document
    monkeypatch.setattr(processing, "_load_document",
                        lambda *a: opened.append(a) or real_load(*a))
    again = rescreen.rescreen(user, first.id, params=DEV_OPENING)
    assert (again.title, again.total, again.owner_id) == ("Backend Developer", 4, user.id)
    with stack.worker(threads=2):
        again = wait_finalized(again.id, timeout=120)
    # No file was opened again; the locked one failed again with its reason
    assert opened == []
    assert _by_name(again.id)["locked.pdf"].error == _by_name(first.id)["locked.pdf"].error
    old, new = _by_name(first.id), _by_name(again.id)
    assert {n: i.document_id for n, i in new.items()} == {
        n: i.document_id for n, i in old.items()}
    assert count_rows(Document) == 4 + 2 * 2  # shared, not copied; each batch's 2 reports
    assert {n: i.status for n, i in new.items()} == {
        "nurse.docx": "done", "dev.pdf": "done", "sales.txt": "done", "locked.pdf": "failed"}
    assert new["dev.pdf"].score > new["nurse.docx"].score

    # The same opening on fresh uploads scores exactly as the re-screen did
    fresh = _by_name(_screen(stack, user, **DEV_OPENING).id)
    for name in ("nurse.docx", "dev.pdf", "sales.txt"):
        assert new[name].score == fresh[name].score
        assert new[name].result == fresh[name].result


def test_an_old_profile_is_read_again_from_the_kept_text(stack):
    user = make_user()
    first = _screen(stack, user, **NURSE_OPENING)
    document_id = _by_name(first.id)["nurse.docx"].document_id
    reading = DocumentReading.__table__
    with get_engine().begin() as conn:
        stale = dict(conn.execute(select(reading.c.data).where(
            reading.c.document_id == document_id)).scalar_one())
        stale["profile"] = {**stale["profile"], "years": 0.0}
        conn.execute(update(reading).where(reading.c.document_id == document_id)
                     .values(data=stale, read_at=utcnow() - timedelta(days=30)))
    again = rescreen.rescreen(user, first.id, params=NURSE_OPENING)
    # Kept under the version of the code that read it, and only returned for that version
    assert readings.load(document_id, again.id, "another version") is None
    assert readings.load(document_id, again.id, reading_version()).data == stale
    with stack.worker(threads=2):
        wait_finalized(again.id, timeout=120)
    with get_engine().connect() as conn:
        row = conn.execute(select(reading.c.data, reading.c.read_at).where(
            reading.c.document_id == document_id)).one()
    assert row.data["profile"]["years"] == _by_name(first.id)["nurse.docx"].result[
        "profile"]["years"] > 0
    assert utcnow() - row.read_at < timedelta(minutes=5)
    assert _by_name(again.id)["nurse.docx"].score == _by_name(first.id)["nurse.docx"].score


def test_deleting_either_screening_keeps_the_files_the_other_uses(stack):
    user, admin = make_user(), make_user(role="admin")
    first = _screen(stack, user, **NURSE_OPENING)
    again = rescreen.rescreen(user, first.id, params=DEV_OPENING, lane="normal")
    with stack.worker(threads=2):
        wait_finalized(again.id, timeout=120)
    batches.delete(admin, first.id)
    assert count_rows(Document) == 4 + 2  # the four files and the re-screen's two reports
    assert count_rows(DocumentReading) == 4
    # The last screening that uses them goes: the files and their readings go too
    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).values(expires_at=utcnow() - timedelta(days=1)))
    assert housekeeping.purge_expired() == {"batches": 1, "items": 4, "documents": 6}
    assert (count_rows(Document), count_rows(DocumentReading)) == (0, 0)


def test_only_a_readable_kept_resume_screening_can_be_screened_again(stack):
    owner, other = make_user(), make_user()
    first = batches.submit(owner, kind="resume", items=_files(), params=NURSE_OPENING,
                           dispatch=False)
    with pytest.raises(NotFound):
        rescreen.rescreen(other, first.id, params=DEV_OPENING)
    admin = make_user(role="admin")
    noop = batches.submit(admin, kind="noop", items=[batches.NewItem("a")], dispatch=False)
    with pytest.raises(InvalidInput, match="Only a screening of resumes"):
        rescreen.rescreen(admin, noop.id, params=DEV_OPENING)
    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == first.id)
                     .values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(InvalidInput, match="no longer kept"):
        rescreen.rescreen(owner, first.id, params=DEV_OPENING)
    assert count_rows(Batch) == 2  # nothing was created


@pytest.mark.parametrize("error, kept", [
    (DocumentError("This file is damaged."), [{"error": "This file is damaged."}]),
    # Over a time or memory limit: the machine's state, not the file's; read again next time
    (ReadingLimit("This file took longer than 20 seconds to read."), []),
])
def test_only_a_verdict_on_the_file_itself_is_kept(monkeypatch, error, kept):
    saved = []

    def analyze(*_):
        raise error

    monkeypatch.setattr(resume.readers, "analyze", analyze)
    work = ItemWork(item_id=1, batch_id=uuid.uuid4(), seq=0, name="cv.pdf", attempt=1,
                    params=NURSE_OPENING, load_document=lambda: b"%PDF-1.4",
                    checkpoint=lambda: None, save_reading=lambda v, d: saved.append(d))
    with pytest.raises(type(error)):
        resume.handle(work)
    assert saved == kept
