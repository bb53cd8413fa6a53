"""Screen a finished screening's resumes for another opening, from its page (issue 23,
part 3): the form starts from the earlier opening, nothing is uploaded, and the new
shortlist ranks the same files for the new opening."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.recruiting import queries
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, upload_of, wait_reported

pytestmark = pytest.mark.anyio

NURSE = {"title": "Registered Nurse", "description": "Patient care and BLS in the ICU.",
         "must_have": ["BLS"], "nice_to_have": ["ICU"], "min_years": 2}


async def test_a_finished_screening_is_screened_again_for_another_opening(user, web):
    account = make_account()
    source = batches.submit(account, kind="resume", title="Nurses", params=NURSE, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode())])
    with web.worker():
        wait_reported(source.id)
        await sign_in(user, account.email, PASSWORD)
        await user.open(f"/screenings/{source.id}")
        link = next(iter(user.find(marker="rescreen").elements))
        assert link.visible and link.props["href"] == f"/new?from={source.id}"

        # The form holds the earlier opening, to edit, and the resumes it will screen
        await user.open(f"/new?from={source.id}")
        await user.should_see("The 2 resumes of “Nurses”, screened again for this opening.")
        await user.should_not_see(marker="upload")
        title = next(iter(user.find(marker="title").elements))
        must = next(iter(user.find(marker="must-have").elements))
        years = next(iter(user.find(marker="min-years").elements))
        assert (title.value, must.value, years.value) == ("Registered Nurse", ["BLS"], 2)
        title.value = "Backend Developer"
        must.value = ["Python"]
        user.find(marker="description").clear().type("Python, Django and PostgreSQL.")
        user.find(marker="start").click()
        await user.should_see("Shortlist (2)", retries=150)

    rows = queries.list_batches(account).rows
    again = next(b for b in rows if b.id != source.id)
    assert (again.title, again.total, again.params["must_have"]) == (
        "Backend Developer", 2, ["Python"])
    shortlist = next(iter(user.find(marker="shortlist").elements)).rows
    assert [r["file"] for r in shortlist] == ["dev.txt", "nurse.txt"]


async def test_another_users_screening_offers_a_plain_new_screening(user, web):
    owner, other = make_account(), make_account()
    source = batches.submit(owner, kind="resume", title="Nurses", params=NURSE,
                            items=[NewItem("nurse.txt", factories.NURSE.encode())],
                            dispatch=False)
    await sign_in(user, other.email, PASSWORD)
    for query in (f"?from={source.id}", "?from=not-an-id"):
        await user.open(f"/new{query}")
        await user.should_see(marker="upload")
        await user.should_not_see("Nurses")
        assert next(iter(user.find(marker="title").elements)).value == ""


async def test_resumes_are_added_to_a_finished_screening_and_ranked_with_the_rest(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=NURSE,
                           items=[NewItem("sales.txt", factories.SALES.encode())])
    with web.worker():
        wait_reported(batch.id)
        await sign_in(user, account.email, PASSWORD)
        await user.open(f"/screenings/{batch.id}")
        await user.should_see("Shortlist (1)", retries=30)
        user.find(marker="add-resumes").click()
        await user.should_see("Add resumes to this screening")
        element = next(iter(user.find(marker="add-upload").elements))
        await element.handle_uploads([
            upload_of("nurse.txt", factories.NURSE.encode()),
            upload_of("nested.zip", factories.make_zip({"n.zip": factories.make_zip({})}))])
        await user.should_see("1 resume added: they are being screened now.")
        await user.should_see("n.zip: This is an ar", retries=5)  # an archive inside one
        user.find("Close").click()
        await user.should_see("Shortlist (2)", retries=150)  # live, no reload
    shortlist = next(iter(user.find(marker="shortlist").elements)).rows
    assert [r["file"] for r in shortlist] == ["nurse.txt", "sales.txt"]
