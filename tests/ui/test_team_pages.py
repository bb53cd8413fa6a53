"""Teams on the pages (issue 24, part 3): a teammate's screening is in My screenings and
opens with its shortlist, files and report; someone outside the team finds none of it."""

from __future__ import annotations

import pytest

from app.accounts import teams
from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}


def _world(web):
    admin, alice, bob, carol = (make_account(role="admin"), make_account(), make_account(),
                                make_account())
    team = teams.create_team(admin, "Nursing")
    teams.add_member(admin, team.id, alice.email)
    teams.add_member(admin, team.id, bob.email)
    batch = batches.submit(alice, kind="resume", title="Ward 7 nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    return bob, carol, batch, items(batch.id)[0], alice


async def test_a_teammate_opens_the_screening_and_its_files(user, web):
    bob, _, batch, item, alice = _world(web)
    await sign_in(user, bob.email, PASSWORD)
    await user.should_see("Ward 7 nurses", retries=30)  # in My screenings, with its owner
    await user.should_see(f"Submitted just now by {alice.email}")
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (1)", retries=30)
    await user.open(f"/items/{item.id}")
    await user.should_see("History (1 attempt)")
    assert (await user.http_client.get(f"/resumes/{item.id}")).status_code == 200


async def test_someone_outside_the_team_finds_nothing(user, web):
    _, carol, batch, item, _ = _world(web)
    await sign_in(user, carol.email, PASSWORD)
    await user.should_see("You have no screenings yet.", retries=30)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("We could not find that screening.")
    await user.open(f"/items/{item.id}")
    await user.should_see("We could not find that file.")
    for path in (f"/resumes/{item.id}", f"/screenings/{batch.id}/report.csv"):
        assert (await user.http_client.get(path)).status_code == 404, path
