"""Saved openings on the New screening page (issue 23, part 5): save the opening typed in,
start the next screening from it, delete it; each recruiter sees only their own."""

from __future__ import annotations

import pytest

from app.recruiting import openings
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.anyio


def _value(user, marker: str):
    return next(iter(user.find(marker=marker).elements)).value


async def test_save_an_opening_then_start_from_it_and_delete_it(user, web):
    account, other = make_account(), make_account()
    openings.save_opening(other, {"title": "Someone else's opening"})
    await sign_in(user, account.email, PASSWORD)
    await user.open("/new")
    await user.should_not_see(marker="saved-choice")  # none saved yet
    user.find(marker="title").type("Registered Nurse")
    user.find(marker="description").type("Patient care and BLS in the ICU.")
    next(iter(user.find(marker="must-have").elements)).value = ["BLS"]
    next(iter(user.find(marker="min-years").elements)).value = 2
    user.find(marker="saved-save").click()
    await user.should_see("Saved “Registered Nurse”: start from it next time.")
    [saved] = openings.list_openings(account)
    assert (saved.params["title"], saved.params["must_have"], saved.params["min_years"]) == (
        "Registered Nurse", ["BLS"], 2)

    # A new page: the saved opening fills the form
    await user.open("/new")
    choice = next(iter(user.find(marker="saved-choice").elements))
    assert choice.visible and choice.options == {saved.id: "Registered Nurse"}
    choice.value = saved.id
    assert (_value(user, "title"), _value(user, "must-have"), _value(user, "min-years")) == (
        "Registered Nurse", ["BLS"], 2)
    assert _value(user, "description") == "Patient care and BLS in the ICU."

    user.find(marker="saved-delete").click()
    await user.should_see("Saved opening deleted.")
    assert openings.list_openings(account) == []
    assert [o.title for o in openings.list_openings(other)] == ["Someone else's opening"]


async def test_an_opening_without_a_title_is_not_saved(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.open("/new")
    user.find(marker="saved-save").click()
    await user.should_see("Give the opening a title")
    assert openings.list_openings(account) == []
