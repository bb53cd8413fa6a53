"""The resume kind through the whole engine: upload, unpack, analyse, rank, report."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import openpyxl
import pytest
from sqlalchemy import select

from app.db import get_engine
from app.engine import batches
from app.errors import InvalidInput, TooLarge
from app.models import Document
from app.recruiting import uploads
from tests.analysis import factories
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import assert_counters_match_items, items, load, make_user, wait_finished

OPENING = {
    "title": "Registered Nurse",
    "description": "We need a registered nurse with patient care, medication administration"
                   " and BLS certification for our ICU.",
    "must_have": ["Patient Care", "BLS"],
    "nice_to_have": ["ICU"],
    "min_years": 3,
}


def _document(document_id: int) -> bytes:
    table = Document.__table__
    with get_engine().connect() as conn:
        return conn.execute(select(table.c.content).where(table.c.id == document_id)).scalar()


def test_a_resume_batch_is_ranked_and_reported(stack):
    files = [
        ("nurse.docx", factories.make_docx(factories.NURSE)),
        ("resumes.zip", factories.make_zip({
            "dev.pdf": factories.make_pdf(factories.SOFTWARE_SENIOR),
            "sales.txt": factories.SALES.encode(),
            "nested.zip": factories.make_zip({"a.txt": b"x"}),
        })),
        ("scan.pdf", factories.image_only_pdf()),
        ("locked.pdf", factories.encrypted_pdf()),
    ]
    prepared = uploads.prepare(files)
    assert sorted(i.name for i in prepared.items) == [
        "dev.pdf", "locked.pdf", "nurse.docx", "sales.txt", "scan.pdf"]
    assert [r.name for r in prepared.rejected] == ["nested.zip"]
    user = make_user(plan="basic")
    batch = batches.submit(user, kind="resume", items=prepared.items, params=OPENING)
    assert (batch.title, batch.lane, batch.total) == ("Registered Nurse", "normal", 5)
    with stack.worker(threads=4):
        done = wait_finished(batch.id, timeout=120)
        finalized = wait_until(lambda: load(batch.id).report_csv_id and load(batch.id),
                               timeout=30, message="the reports")
    assert done.status == "done"
    assert assert_counters_match_items(batch.id) == {
        "pending": 0, "queued": 0, "running": 0, "done": 3, "failed": 2, "cancelled": 0}
    by_name = {i.name: i for i in items(batch.id)}
    assert by_name["scan.pdf"].error.startswith("This PDF has no selectable text: it looks like a scanned")
    assert "password" in by_name["locked.pdf"].error.lower()
    assert by_name["nurse.docx"].score > by_name["dev.pdf"].score
    assert by_name["nurse.docx"].score > by_name["sales.txt"].score
    assert by_name["nurse.docx"].result["match"]["band"] in ("strong", "good")

    rows = list(csv.reader(io.StringIO(_document(finalized.report_csv_id).decode("utf-8-sig"))))
    assert rows[0] == ["rank", "name", "file", "score", "band", "matched", "missing", "years",
                       "email", "phone", "error", "why", "status", "starred", "tags", "notes"]
    assert [r[2] for r in rows[1:4]][0] == "nurse.docx"
    assert [r[0] for r in rows[1:4]] == ["1", "2", "3"]
    assert {r[2] for r in rows[4:]} == {"scan.pdf", "locked.pdf"}
    assert all(r[0] == "" and r[10] for r in rows[4:])
    sheet = openpyxl.load_workbook(io.BytesIO(_document(finalized.report_xlsx_id))).active
    assert sheet.max_row == 6 and sheet["C2"].value == "nurse.docx"
    assert finalized.summary["counts"] == {"done": 3, "failed": 2}


def test_a_bad_opening_is_refused_before_anything_is_written(stack):
    user = make_user()
    with pytest.raises(InvalidInput, match="Give the opening a title"):
        batches.submit(user, kind="resume", items=[batches.NewItem("a.txt", b"hello")],
                       params={"description": "x"})
    with pytest.raises(InvalidInput, match="a.txt is empty"):
        batches.submit(user, kind="resume", items=[batches.NewItem("a.txt", b"")],
                       params=OPENING)


def test_upload_limits_are_enforced_on_the_server(stack_factory):
    stack_factory(MAX_UPLOAD_BYTES=2048, MAX_FILES_PER_UPLOAD=2, MAX_FILE_BYTES=1024)
    with pytest.raises(TooLarge, match="These files add up to more than 2 KB"):
        uploads.prepare([("a.txt", b"a" * 1000), ("b.txt", b"b" * 1000), ("c.txt", b"c" * 100)])
    with pytest.raises(TooLarge, match="more than 2 files"):
        uploads.prepare([(f"{n}.txt", b"resume text") for n in "abc"])
    prepared = uploads.prepare([("big.txt", b"x" * 1500), ("ok.txt", b"Jane Doe")])
    assert [i.name for i in prepared.items] == ["ok.txt"]
    assert prepared.rejected[0].name == "big.txt"


def test_a_zip_bomb_is_refused_by_name(stack):
    # One rejected file, not a refused upload (audit finding 14): the rest would go ahead
    prepared = uploads.prepare([("Skills.zip", factories.zip_bomb(size_bytes=5 * 1024 * 1024))])
    assert prepared.items == [] and [r.name for r in prepared.rejected] == ["Skills.zip"]
    assert prepared.rejected[0].reason.startswith("The archive 'Skills.zip' was refused")


def test_analyze_command_prints_profile_and_match(tmp_path):
    resume = tmp_path / "nurse.docx"
    resume.write_bytes(factories.make_docx(factories.NURSE))
    opening = tmp_path / "opening.json"
    opening.write_text(json.dumps(OPENING))
    result = subprocess.run([sys.executable, "-m", "app", "analyze", str(resume), "--opening",
                             str(opening)], cwd=REPO, env=subprocess_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["opening"]["title"] == "Registered Nurse"
    (only,) = out["files"]
    assert only["file"] == str(resume)
    assert "Patient care" in only["profile"]["skills"]
    assert only["match"]["score"] >= 50


def test_a_file_of_a_batch_cancelled_after_the_claim_is_not_read(stack):
    # The file and its batch's status are read in one query: a cancel that came after the
    # claim stops the item there, before any reading (it was a second query before).
    from app.engine import processing
    from app.engine.outcome import Cancelled
    from app.errors import TransientError

    user = make_user()
    batch = batches.submit(user, kind="resume", params=OPENING, items=[
        batches.NewItem("nurse.pdf", factories.make_pdf(factories.NURSE))])
    item = items(batch.id)[0]
    assert processing._load_document(item.document_id, batch.id) == _document(item.document_id)
    batches.cancel(user, batch.id)
    with pytest.raises(Cancelled):
        processing._load_document(item.document_id, batch.id)
    with pytest.raises(TransientError, match="The file of this item is missing."):
        processing._load_document(item.document_id + 1000, batch.id)
