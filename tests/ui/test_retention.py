"""A finished screening says how long it is kept; its owner keeps it longer or deletes it
now, after confirming (issue 23, part 6)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.models import Batch, Document, Item, utcnow
from tests.analysis import factories
from tests.engine.helpers import count_rows, load
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported
from ui.words import date_text

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}


async def test_keep_longer_then_delete_after_confirming(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    expires = load(batch.id).expires_at
    await user.should_see(f"Kept until {date_text(expires)}, then deleted with its resumes.",
                          retries=30)

    user.find(marker="keep-longer").click()
    await user.should_see(f"Kept until {date_text(utcnow() + timedelta(days=90))}.")
    assert timedelta(days=89) < load(batch.id).expires_at - utcnow() <= timedelta(days=90)

    user.find(marker="delete-screening").click()
    await user.should_see("Delete this screening now?")
    user.find(marker="confirm-delete").click()
    for _ in range(100):
        if count_rows(Batch) == 0:
            break
        await asyncio.sleep(0.05)
    assert [count_rows(m) for m in (Batch, Item, Document)] == [0, 0, 0]
    await user.should_see("You have no screenings yet.", retries=30)  # back on the list
    await user.should_see("The screening and its resumes were deleted.")


async def test_a_read_only_admin_sees_the_date_but_no_buttons(user, web):
    owner, viewer = make_account(), make_account(role="readonly_admin")
    batch = batches.submit(owner, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, viewer.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Kept until", retries=30)
    await user.should_not_see(marker="keep-longer")
    await user.should_not_see(marker="delete-screening")
    await user.should_not_see(marker="rescreen")
