"""The counter and the shortlist come from one read: an event never puts the counter
ahead of the rows (issue 25, part 4)."""

from __future__ import annotations

import asyncio

import pytest

from app.db import get_engine
from app.engine import batches, counters, events
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Registered Nurse", "description": "Patient care and BLS."}


async def test_an_event_ahead_of_the_database_does_not_move_the_counter(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING, items=[
        NewItem(f"nurse{i}.txt", factories.NURSE.encode()) for i in range(3)])
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("0 of 3 resumes screened", retries=30)
    # An event that says more than the database has (a listener that ran ahead of the
    # page's last read): the page reads again, and shows what the rows show.
    with get_engine().connect() as conn:
        state = counters.read_state(conn, batch.id)
    events.publish({**state.event(), "status": "running",
                    "counts": {**state.counters(), "pending": 0, "done": 2, "queued": 1}})
    await asyncio.sleep(2.0)
    await user.should_see("0 of 3 resumes screened")
    await user.should_not_see("2 of 3 resumes screened")
    with web.worker():
        wait_reported(batch.id)
    await user.should_see("3 of 3 resumes screened", retries=50)
    await user.should_see("Shortlist (1 person from 3 resumes)", retries=30)
