"""A file's page: its attempts, "Try again" and "Dismiss" (issue 28, part 3)."""

from __future__ import annotations

import dataclasses

import pytest
from nicegui import ui

from app.engine import processing
from app.engine.kinds import KINDS, get_kind
from tests.engine.helpers import items, submit_noop
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio


def _boom(work):
    raise RuntimeError("parser bug")


@pytest.fixture(autouse=True)
def _expected_errors(monkeypatch):
    # The worker logs each unexpected error at ERROR, which NiceGUI's test plugin takes
    # for a failure: these are the errors the tests cause on purpose.
    monkeypatch.setattr(processing.log, "disabled", True)


async def test_the_owner_sees_the_attempts_and_tries_the_file_again(user, web, monkeypatch):
    owner = make_account()
    batch = submit_noop(owner, 1)
    noop = get_kind("noop")
    monkeypatch.setitem(KINDS, "noop", dataclasses.replace(noop, handle=_boom))
    with web.worker():
        wait_reported(batch.id)
    item = items(batch.id)[0]
    assert item.status == "failed"
    await sign_in(user, owner.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see(marker=f"failed-{item.id}", retries=30)
    await user.open(f"/items/{item.id}")
    await user.should_see("History (3 attempts)")
    await user.should_see("Attempt 1: Failed, and was tried again")
    await user.should_see("Attempt 3: Failed")
    await user.should_not_see("Technical details (admins only)")  # not an admin
    await user.should_not_see("worker ")
    monkeypatch.setitem(KINDS, "noop", noop)  # fixed: the next attempt passes
    user.find(marker="retry-item").click()
    await user.should_see("The file is back in line.")
    with web.worker():
        wait_reported(batch.id)
    await user.should_see("History (4 attempts)", retries=50)
    await user.should_see("Screened", retries=30)
    assert items(batch.id)[0].status == "done"


async def test_an_admin_sees_the_traceback_and_dismisses_after_confirming(user, web,
                                                                        monkeypatch):
    owner, admin = make_account(), make_account(role="admin")
    batch = submit_noop(owner, 1)
    monkeypatch.setitem(KINDS, "noop", dataclasses.replace(get_kind("noop"), handle=_boom))
    with web.worker():
        wait_reported(batch.id)
    item = items(batch.id)[0]
    await sign_in(user, admin.email, PASSWORD)
    await user.open(f"/items/{item.id}")
    await user.should_see("Technical details (admins only)")
    [expansion] = user.find(marker="detail-2").elements
    [code] = [e for e in expansion.descendants() if isinstance(e, ui.code)]
    assert code.content.splitlines()[0] == "RuntimeError: parser bug"
    user.find(marker="dismiss-item").click()
    await user.should_see("Dismiss this failure?")
    user.find(marker="confirm-yes").click()
    await user.should_see("Dismissed just now", retries=30)
    assert items(batch.id)[0].dismissed_at is not None


async def test_someone_elses_file_is_not_found(user, web):
    owner, other = make_account(), make_account()
    batch = submit_noop(owner, 1)
    await sign_in(user, other.email, PASSWORD)
    await user.open(f"/items/{items(batch.id)[0].id}")
    await user.should_see("We could not find that file.")
    await user.open("/items/not-a-number")
    await user.should_see("We could not find that file.")
