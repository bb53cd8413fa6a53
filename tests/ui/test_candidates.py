"""The Candidates pages (issue 23, part 2): the pool searched as you type, one candidate's
screenings with their scores and original files; another recruiter's is not found."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.recruiting import candidates, queries
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU."}


async def test_search_the_pool_and_open_a_candidate(user, web):
    account, other = make_account(), make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open("/candidates")
    await user.should_see("Maria Garcia")
    await user.should_see("Jane Doe")
    user.find(marker="candidate-search").type("python")
    await user.should_not_see("Maria Garcia", retries=20)
    await user.should_see("Jane Doe")
    user.find(marker="candidate-search").clear().type("nobody-like-this")
    await user.should_see("No candidate matches that.", retries=20)

    maria = next(c for c in candidates.search(account).rows if c.name == "Maria Garcia")
    await user.open(f"/candidates/{maria.id}")
    await user.should_see("Screenings (1)")
    await user.should_see("Nurses")
    link = next(iter(user.find("nurse.txt").elements))
    assert link.props["href"] == f"/resumes/{next(iter(candidates.detail(account, maria.id).files)).item_id}"

    # Another recruiter: not found, and an empty pool
    await user.open("/")
    user.find(marker="sign-out").click()
    await user.should_see("Sign in to Shortlist")
    await sign_in(user, other.email, PASSWORD)
    await user.open(f"/candidates/{maria.id}")
    await user.should_see("We could not find that candidate.")
    await user.open("/candidates")
    await user.should_see("No candidates yet: they appear here when a screening finishes.")


async def test_chosen_candidates_are_screened_for_an_opening(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode()),
        NewItem("sales.txt", factories.SALES.encode())])
    with web.worker():
        wait_reported(batch.id)
        pool = {c.name: c.id for c in candidates.search(account).rows}
        await sign_in(user, account.email, PASSWORD)
        await user.open("/candidates")
        await user.should_not_see(marker="chosen-bar")
        next(iter(user.find(marker=f"choose-{pool['Jane Doe']}").elements)).value = True
        next(iter(user.find(marker=f"choose-{pool['Olivia Brown']}").elements)).value = True
        await user.should_see("2 candidates chosen")
        link = next(iter(user.find(marker="screen-chosen").elements))
        target = link.props["href"]
        assert target == f"/new?candidates={pool['Jane Doe']},{pool['Olivia Brown']}"

        await user.open(target)
        await user.should_see("The latest resume of the 2 candidates you chose, screened for"
                              " this opening.")
        user.find(marker="title").type("Backend Developer")
        user.find(marker="start").click()
        await user.should_see("Shortlist (2)", retries=150)
    newest = max(queries.list_batches(account).rows, key=lambda b: b.created_at)
    assert (newest.title, newest.total) == ("Backend Developer", 2)
    # Ids that are not one's own: a plain New screening, nothing chosen
    await user.open("/new?candidates=999999999")
    await user.should_see(marker="upload")


async def test_a_name_with_quotes_and_markup_is_shown_as_text(user, web):
    from sqlalchemy import insert

    from app.db import get_engine
    from app.models import Candidate

    account = make_account()
    name = "Sean O'Brien <b>bold</b> ' x='1"
    with get_engine().begin() as conn:
        cid = conn.execute(insert(Candidate.__table__).values(
            owner_id=account.id, name=name, skills=[], fingerprint={}, latest_file="cv.pdf",
            search_doc=name.casefold()).returning(Candidate.__table__.c.id)).scalar_one()
    await sign_in(user, account.email, PASSWORD)
    await user.open("/candidates")
    await user.should_see(name)
    box = next(iter(user.find(marker=f"choose-{cid}").elements))
    assert box.props["aria-label"] == f"Choose {name}" and "x" not in box.props
