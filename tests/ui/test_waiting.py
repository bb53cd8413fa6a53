"""A screening that waits says why on its page, and the line goes once it runs (issue 27)."""

from __future__ import annotations

import pytest

from app.engine import batches, lanes
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}
PAUSED = "The low lane is paused by an admin: your screening starts when it is resumed."


async def test_a_paused_lane_is_the_reason_shown_until_the_screening_runs(user, web):
    admin, account = make_account(role="admin"), make_account(plan="free")
    lanes.pause(admin, "low")
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("nurse.txt", factories.NURSE.encode())])
    assert batch.lane == "low"
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Waiting to start", retries=30)
    await user.should_see(PAUSED)
    batches.resume_lane(admin, "low")
    with web.worker():
        wait_reported(batch.id)
    await user.should_see("1 of 1 resume screened", retries=50)
    await user.should_not_see(PAUSED, retries=30)
