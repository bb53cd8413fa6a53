"""A failure trying again cannot fix is not offered for retry (issue 25, part 3)."""

from __future__ import annotations

import pytest

from app.analysis.errors import DocumentError, ReadingLimit
from app.engine import batches
from app.engine.outcome import decide
from app.errors import Conflict, TransientError
from app.models import ItemStatus
from app.recruiting import uploads
from tests.analysis import factories
from tests.engine.helpers import items, make_user, submit_noop, wait_finished

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU."}


def test_which_failures_can_be_tried_again():
    assert decide(DocumentError("damaged"), 1, 3).retryable is False
    assert decide(ReadingLimit("too slow"), 1, 3).retryable is True
    gave_up = decide(TransientError("database away"), 3, 3)
    assert (gave_up.status, gave_up.retryable) == (ItemStatus.failed, True)
    assert decide(RuntimeError("bug"), 3, 3).retryable is True


def test_damaged_and_locked_files_are_not_retried_the_others_are(stack):
    prepared = uploads.prepare([
        ("nurse.txt", factories.NURSE.encode()),
        ("locked.pdf", factories.encrypted_pdf()),
        ("cut.pdf", factories.truncated_pdf()),
    ])
    user = make_user(plan="basic")
    batch = batches.submit(user, kind="resume", items=prepared.items, params=OPENING)
    with stack.worker(threads=2):
        finished = wait_finished(batch.id, timeout=120)
    assert (finished.n_done, finished.n_failed) == (1, 2)
    failed = {i.name: i for i in items(batch.id) if i.status == "failed"}
    assert {name: i.retryable for name, i in failed.items()} == {
        "locked.pdf": False, "cut.pdf": False}
    assert batches.retryable_count(user, batch.id) == 0
    with pytest.raises(Conflict, match="None of the failed files can succeed if tried again"):
        batches.retry(user, batch.id)
    locked = failed["locked.pdf"]
    with pytest.raises(Conflict, match="Trying it again would fail the same way."):
        batches.retry_item(user, locked.id)
    assert {i.status for i in items(batch.id) if i.name != "nurse.txt"} == {"failed"}


def test_a_failure_that_may_pass_next_time_is_retried(stack):
    user = make_user()
    batch = submit_noop(user, 6, fail_rate=0.5)
    with stack.worker(threads=2):
        failed = wait_finished(batch.id).n_failed
        assert failed > 0
        assert batches.retryable_count(user, batch.id) == failed
        assert batches.retry(user, batch.id) == failed
        wait_finished(batch.id)
