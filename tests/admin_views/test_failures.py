"""app.admin.failures and the failures view: failed files grouped by reason, newest first, within
a window, and a retry per reason; refused to recruiters and read-only admins."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nicegui import ui

from app.admin import failures
from app.admin.bulk import TooManyBatches
from app.errors import Conflict, InvalidInput, PermissionDenied
from tests.admin_views.conftest import ACT, audit_rows, counters, load, settle, submit
from tests.engine.helpers import items, make_user
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

ENCRYPTED = "This PDF is password-protected, so it cannot be read."
SCANNED = "This PDF has no selectable text: it looks like a scanned image."
EMPTY = "The file is empty (0 bytes)."
NOW = datetime.now(timezone.utc)


def world():
    """Three batches: encrypted PDFs in two of them (the newest an hour ago), scans in one
    (two hours ago), an empty file ten days ago (outside the default week)."""
    alice, bob = make_user(), make_user()
    a, b, c = submit(alice, "A", 4), submit(bob, "B", 3), submit(bob, "Old", 2)
    settle(a, failed={0: ENCRYPTED, 1: SCANNED, 3: SCANNED},
           finished_at=NOW - timedelta(hours=2))
    settle(b, failed={0: ENCRYPTED, 2: ENCRYPTED}, finished_at=NOW - timedelta(hours=1))
    settle(c, failed={1: EMPTY}, finished_at=NOW - timedelta(days=10))
    return a, b, c


def test_failures_are_grouped_by_reason_newest_first_within_the_window(stack):
    admin = make_user(role="admin")
    world()
    report = failures.groups(admin)
    assert [(g.reason, g.items, g.batches) for g in report.groups] == [
        (ENCRYPTED, 3, 2), (SCANNED, 2, 1)]
    assert report.groups[0].last_at.replace(tzinfo=timezone.utc) == \
        (NOW - timedelta(hours=1)).replace(tzinfo=timezone.utc)
    assert (report.scanned, report.complete, report.days) == (5, True, 7)
    month = failures.groups(admin, days=30)
    assert [(g.reason, g.items) for g in month.groups] == [(ENCRYPTED, 3), (SCANNED, 2),
                                                           (EMPTY, 1)]
    viewer = make_user(role="readonly_admin")
    assert failures.groups(viewer).groups == report.groups  # read-only admins see it all
    with pytest.raises(InvalidInput, match="Choose a window of 1, 7, 30 days."):
        failures.groups(admin, days=3)


def test_the_count_is_bounded(stack, monkeypatch):
    admin = make_user(role="admin")
    world()
    monkeypatch.setattr(failures, "MAX_SCANNED", 2)
    report = failures.groups(admin)
    # Only the newest two failures are counted: b's encrypted files
    assert [(g.reason, g.items, g.batches) for g in report.groups] == [(ENCRYPTED, 2, 1)]
    assert (report.scanned, report.complete) == (2, False)


def test_retry_of_one_reason_retries_exactly_those_files(stack):
    admin = make_user(role="admin")
    a, b, c = world()
    result = failures.retry_group(admin, ENCRYPTED)
    assert (sorted(result.changed), result.items) == (sorted([a, b]), 3)
    assert result.message == "3 failed files in 2 screenings will be tried again."
    # The scans stay failed; the encrypted files are queued again with fresh attempts
    assert counters(a) == {"done": 1, "failed": 2, "queued": 1}
    assert counters(b) == {"done": 1, "queued": 2}
    assert counters(c) == {"done": 1, "failed": 1}  # outside the window
    assert [g.reason for g in failures.groups(admin).groups] == [SCANNED]
    summary, = audit_rows("retry_failure_group")
    assert {k: summary["details"][k] for k in ("reason", "days", "items", "changed")} == {
        "reason": ENCRYPTED, "days": 7, "items": 3, "changed": 2}
    per_batch = audit_rows("retry")
    assert sorted(str(r["batch_id"]) for r in per_batch) == sorted([a, b])
    assert {r["details"]["bulk"] for r in per_batch} == {summary["details"]["bulk"]}
    with pytest.raises(Conflict, match="No file failed with this reason"):
        failures.retry_group(admin, ENCRYPTED)
    with pytest.raises(Conflict, match="No file failed with this reason"):
        failures.retry_group(admin, "No such reason")


def test_retry_of_a_reason_over_the_cap_is_refused(stack_factory):
    stack_factory(ADMIN_BULK_MAX_BATCHES=1)
    admin = make_user(role="admin")
    a, b, _ = world()
    with pytest.raises(TooManyBatches) as refused:
        failures.retry_group(admin, ENCRYPTED)
    assert refused.value.message == (
        "2 screenings have files that failed with this reason, but one action may change at"
        " most 1. Choose a shorter window and try again.")
    assert counters(b) == {"done": 1, "failed": 2}
    assert failures.retry_group(admin, SCANNED).items == 2  # one screening: allowed


@pytest.mark.parametrize("role", ["recruiter", "readonly_admin"])
def test_recruiters_and_read_only_admins_cannot_retry(stack, role):
    someone = make_user(role=role)
    a, b, _ = world()
    with pytest.raises(PermissionDenied, match="Only an admin can retry failed files."):
        failures.retry_group(someone, ENCRYPTED)
    if role == "recruiter":
        with pytest.raises(PermissionDenied, match="Only an admin can see the failures"):
            failures.groups(someone)
    assert counters(b) == {"done": 1, "failed": 2} and audit_rows() == []
    assert load(a).status == "done"


# --- The view ----------------------------------------------------------------------------

@pytest.mark.anyio
async def test_the_failures_view_lists_groups_and_retries_one(user, web):
    admin = make_account(role="admin")
    a, b, _ = world()
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/failures")
    await user.should_see("5 failed files, 2 reasons")
    with user.scope(marker="group-0"):
        await user.should_see(ENCRYPTED)
        await user.should_see("3 files in 2 screenings")
    with user.scope(marker="group-1"):
        await user.should_see(SCANNED)
        await user.should_see("2 files in 1 screening")
    # Each reason links its newest files to their pages.
    links = [(e.text, e.props["href"]) for e in user.find(marker="files-1").elements.pop()
             .descendants() if isinstance(e, ui.link)]
    assert links == [(i.name, f"/items/{i.id}") for i in reversed(items(uuid.UUID(a)))
                     if i.status == "failed" and i.error == SCANNED]
    user.find(marker="window").elements.pop().value = 30
    await user.should_see("6 failed files, 3 reasons")
    user.find(marker="window").elements.pop().value = 7
    await user.should_see("5 failed files, 2 reasons")
    user.find(marker="retry-group-0").click()
    await user.should_see("Try 3 files again?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("3 failed files in 2 screenings will be tried again.", retries=ACT)
    await user.should_see("2 failed files, 1 reason")
    assert counters(b) == {"done": 1, "queued": 2}


@pytest.mark.anyio
async def test_a_read_only_admin_sees_failures_but_cannot_retry(user, web):
    viewer = make_account(role="readonly_admin")
    _, b, _ = world()
    await sign_in(user, viewer.email, PASSWORD)
    await user.open("/admin/failures")
    await user.should_see("5 failed files, 2 reasons")
    await user.should_see("Your account can view everything but change nothing.")
    button = user.find(marker="retry-group-0").elements.pop()
    assert not button.enabled
    user.find(marker="retry-group-0").click()  # a disabled button does nothing
    await user.should_not_see("Try 3 files again?")
    assert counters(b) == {"done": 1, "failed": 2}


@pytest.mark.anyio
async def test_recruiters_and_signed_out_visitors_never_see_failures(user, web):
    recruiter = make_account()
    world()
    response = await user.http_client.get("/admin/failures", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/admin/failures"
    await sign_in(user, recruiter.email, PASSWORD)
    await user.open("/admin/failures")
    await user.should_see("This page is for admins.")
    await user.should_not_see(ENCRYPTED)



def test_each_reason_names_its_newest_files_and_dismissed_ones_leave(stack):
    from app.engine import items as item_service

    admin = make_user(role="admin")
    a, b, _ = world()
    b_files = {i.seq: i for i in items(uuid.UUID(b))}
    a_files = {i.seq: i for i in items(uuid.UUID(a))}
    [encrypted, scanned] = failures.groups(admin).groups
    # Newest first (b's an hour ago, then a's); equal times: the later id first.
    assert encrypted.examples == ((b_files[2].id, b_files[2].name),
                                  (b_files[0].id, b_files[0].name),
                                  (a_files[0].id, a_files[0].name))
    assert scanned.examples == ((a_files[3].id, a_files[3].name),
                                (a_files[1].id, a_files[1].name))
    item_service.dismiss(admin, b_files[2].id)
    [encrypted, _] = failures.groups(admin).groups
    assert (encrypted.items, encrypted.batches) == (2, 2)
    assert [item_id for item_id, _ in encrypted.examples] == [b_files[0].id, a_files[0].id]
    assert failures.retry_group(admin, ENCRYPTED).items == 2  # the dismissed one stays
    assert items(uuid.UUID(b))[2].status == "failed"
