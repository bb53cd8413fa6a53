"""A screening deleted while people have it open (its owner in another tab, a teammate, an
admin, or its keeping time over): the open page says so at once, and the owner's list drops
it, instead of showing what is gone until someone clicks and finds nothing."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}
GONE = "This screening was deleted, with its resumes and reports."


def _finished(web, account, title: str):
    batch = batches.submit(account, kind="resume", title=title, params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    return batch


async def test_the_open_screening_says_it_was_deleted_by_someone_else(user, web):
    owner, admin = make_account(), make_account(role="admin")
    batch = _finished(web, owner, "Night nurses")
    await sign_in(user, owner.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (1)", retries=30)
    await user.should_not_see(GONE)

    batches.delete(admin, batch.id)
    await user.should_see(GONE, retries=50)
    await user.should_see("Night nurses")
    await user.should_not_see("Shortlist (1)")
    await user.should_not_see("Download CSV")


async def test_the_owners_list_drops_a_screening_deleted_elsewhere(user, web):
    owner = make_account()
    gone = _finished(web, owner, "Night nurses")
    _finished(web, owner, "Day nurses")
    await sign_in(user, owner.email, PASSWORD)
    await user.open("/")
    await user.should_see("Night nurses")
    await user.should_see("Day nurses")

    batches.delete(owner, gone.id)  # as from another tab
    await user.should_not_see("Night nurses", retries=50)
    await user.should_see("Day nurses")


async def test_an_open_file_page_says_its_screening_was_deleted(user, web):
    owner = make_account()
    batch = _finished(web, owner, "Night nurses")
    item_id = items(batch.id)[0].id
    await sign_in(user, owner.email, PASSWORD)
    await user.open(f"/items/{item_id}")
    await user.should_see("nurse.txt")
    await user.should_see("Screened")

    batches.delete(owner, batch.id)
    await user.should_see(GONE, retries=50)
    await user.should_not_see("Screened")
