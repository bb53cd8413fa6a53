"""My screenings: compact rows with a summary, search and a state filter (issue 25)."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "must_have": ["Patient care"]}


async def test_search_filter_and_summary(user, web):
    account = make_account()
    nurses = batches.submit(account, kind="resume", title="Night nurses", params=OPENING,
                            items=[NewItem("maria.txt", factories.NURSE.encode())])
    accountants = batches.submit(account, kind="resume", title="Accountants", params={
        "title": "Staff Accountant"}, items=[NewItem("bob.txt", factories.ACCOUNTANT.encode())],
        dispatch=False)
    batches.cancel(account, accountants.id)  # nothing ran: cancelled at once
    with web.worker():
        wait_reported(nurses.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open("/")
    await user.should_see("Night nurses")
    await user.should_see("Accountants")
    got = items(nurses.id)[0].result["match"]["band"]  # the summary names the band it got
    summary = f"1 {got} of 1" if got in ("strong", "good") else "No strong or good fit yet of 1"
    await user.should_see(summary)

    user.find(marker="search").type("nurse")
    await user.should_see("Night nurses")
    await user.should_not_see("Accountants")
    user.find(marker="search").clear()
    await user.should_see("Accountants")

    user.find(marker="status-filter").elements.pop().value = "finished"
    await user.should_see("Night nurses")
    await user.should_not_see("Accountants")
    user.find(marker="status-filter").elements.pop().value = "stopped"
    await user.should_see("Accountants")
    await user.should_not_see("Night nurses")
    user.find(marker="status-filter").elements.pop().value = "active"
    await user.should_see("No screening matches.")
