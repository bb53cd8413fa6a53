"""The hiring team's decisions on the screening page: status, star, tags and notes in a
candidate's details, shown in the list and followed live (issue 24, part 1)."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.recruiting import decisions
from tests.analysis import factories
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, texts, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}


async def _open(user, web, account):
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (1)", retries=30)
    table = next(iter(user.find(marker="shortlist").elements))
    return batch, table


async def test_a_recruiter_decides_tags_and_notes_and_the_list_shows_it(user, web):
    account = make_account()
    batch, table = await _open(user, web, account)
    item_id = table.rows[0]["id"]
    assert (table.rows[0]["status"], table.rows[0]["starred"], table.rows[0]["tags"]) == (
        "new", False, [])
    user.find(marker="shortlist").trigger("rowClick", item_id)
    await user.should_see("Notes (0)", retries=10)
    user.find(marker="star").click()
    await user.should_see(marker="star", retries=10)
    next(iter(user.find(marker="status").elements)).value = "interview"
    next(iter(user.find(marker="tags").elements)).value = ["night shift", "ICU"]
    user.find(marker="new-note").type("Call back on Monday.")
    user.find(marker="add-note").click()
    await user.should_see("Notes (1)", retries=30)
    await user.should_see("Call back on Monday.")
    for _ in range(50):
        row = table.rows[0]
        if (row["status"], row["starred"], row["tags"], row["notes"]) == (
                "interview", True, ["night shift", "ICU"], 1):
            break
        await user.should_see("Notes (1)")
    assert (row["status_text"], row["starred"], row["tags"], row["notes_text"]) == (
        "Interview", True, ["night shift", "ICU"], "1 note")
    stored = decisions.decision_of(account, item_id)
    assert (stored.status, stored.starred, stored.tags, stored.notes) == (
        "interview", True, ("night shift", "ICU"), 1)


async def test_another_persons_change_appears_on_the_open_page(user, web):
    account, admin = make_account(), make_account(role="admin")
    batch, table = await _open(user, web, account)
    item_id = table.rows[0]["id"]
    user.find(marker="shortlist").trigger("rowClick", item_id)
    await user.should_see("Notes (0)", retries=10)
    decisions.decide(admin, item_id, status="rejected", tags=["no licence"])
    decisions.add_note(admin, item_id, "No nursing licence found.")
    await user.should_see("No nursing licence found.", retries=50)
    await user.should_see("Notes (1)")
    for _ in range(50):
        if table.rows[0]["status"] == "rejected":
            break
        await user.should_see("Notes (1)")
    assert (table.rows[0]["status_text"], table.rows[0]["tags"]) == ("Rejected", ["no licence"])
    assert "Edit" not in texts(user, "decision")  # someone else's note


async def test_a_read_only_admin_sees_decisions_but_cannot_change_them(user, web):
    account, viewer = make_account(), make_account(role="readonly_admin")
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    item_id = items(batch.id)[0].id
    decisions.decide(account, item_id, starred=True)
    await sign_in(user, viewer.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (1)", retries=30)
    user.find(marker="shortlist").trigger("rowClick", item_id)
    await user.should_see("Notes (0)", retries=10)
    assert [e.enabled for e in user.find(marker="star").elements] == [False]
    await user.should_not_see(marker="add-note")
