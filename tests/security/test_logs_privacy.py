"""No resume text and no secret ever reaches the logs, even at DEBUG and on failures."""

from __future__ import annotations

import logging

from app.engine import batches
from tests.analysis import factories
from tests.engine.helpers import make_user, wait_finished

MARKER = "Zyxwvut Quokkafeather"  # appears in the resumes and must never be logged


def test_resume_text_and_secrets_stay_out_of_the_logs(stack_factory, caplog):
    stack = stack_factory(STORAGE_SECRET="s3cr3t-storage-value")
    caplog.set_level(logging.DEBUG)
    resume = f"{MARKER}\nRegistered nurse, patient care, BLS.\n"
    files = [
        batches.NewItem("good.txt", resume.encode()),
        batches.NewItem("good.docx", factories.make_docx(resume)),
        batches.NewItem("broken.pdf", b"%PDF-1.7\n" + MARKER.encode() + b" garbage"),
        batches.NewItem("bomb.docx", factories.xml_bomb_docx()),
    ]
    user = make_user()
    batch = batches.submit(user, kind="resume", items=files, params={
        "title": "Nurse", "description": f"ICU nurse {MARKER}"})
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
    assert (done.n_done, done.n_failed) == (2, 2)
    text = "\n".join(record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
                     for record in caplog.records)
    assert len(caplog.records) > 0
    assert MARKER not in text
    assert "Quokkafeather" not in text
    assert "s3cr3t-storage-value" not in text
    assert "a-good-password" not in text
