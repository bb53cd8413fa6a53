"""Every event a page's browser sends re-checks the session (audit finding 9, issue 19).

The events go the way a browser's do: through NiceGUI's socket.io "event" handler, which
ui/auth.py replaces with one that checks the session first (the simulated user's clicks
call handlers directly, so they would not show it).
"""

from __future__ import annotations

import json

import pytest
from nicegui import app as nicegui_app
from nicegui import core
from nicegui.storage import request_contextvar

from app.accounts import users
from app.db import session_scope
from app.engine import batches
from app.engine.batches import NewItem
from app.models import User as Account
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import resume_txt, sign_in, wait_reported

pytestmark = pytest.mark.anyio


def browser_event(user, element, event_type: str, *args) -> None:
    """Send what the browser sends when `event_type` fires on `element`."""
    listener = next(li for li in element._event_listeners.values() if li.type == event_type)
    core.sio.handlers["/"]["event"]("a-socket", {
        "client_id": user.client.id, "id": element.id, "listener_id": listener.id,
        "args": [json.dumps(a) for a in args]})


async def open_screening(user, web, account):
    batch = batches.submit(account, kind="resume", title="Backend", params={
        "title": "Backend"}, items=[NewItem("ann.txt", resume_txt("Ann Lee", "Python"))])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (1)", retries=50)
    table = next(iter(user.find(marker="shortlist").elements))
    return table, table.rows[0]["id"]


@pytest.mark.parametrize("what", ["password reset", "deactivated", "signed out elsewhere"])
async def test_a_click_on_an_open_page_after_the_session_ended_shows_nothing(user, web, what):
    # Given a recruiter with a screening page open, whose click shows a candidate's email
    account = make_account()
    table, item_id = await open_screening(user, web, account)
    browser_event(user, table, "rowClick", item_id)
    await user.should_see("Email: ann@example.com")
    next(iter(user.find(marker="detail").elements))  # the dialog is there
    user.find("Close").click()

    # When the session ends while the page stays open
    if what == "password reset":
        users.reset_password(make_account(role="admin"), account.id)
    elif what == "deactivated":
        with session_scope() as session:
            session.get(Account, account.id).active = False
    else:  # the same browser signed out in another tab: the session is emptied
        response = await user.http_client.get("/signout", follow_redirects=False)
        assert response.headers["location"] == "/"  # still signed in: a bare link does nothing
        token = request_contextvar.set(table.client.request)
        try:
            nicegui_app.storage.user.clear()  # what sign-out in the other tab does
        finally:
            request_contextvar.reset(token)

    # Then the next click on the open page shows nothing and leads to the sign-in page
    before = len(table.client.elements)
    browser_event(user, table, "rowClick", item_id)
    await user.should_see("Sign in to Shortlist")
    assert len(table.client.elements) <= before
    await user.should_not_see("Email: ann@example.com")


async def test_the_sign_in_page_takes_events_without_a_session(user, web):
    account = make_account()
    await user.open("/signin")
    email = next(iter(user.find(marker="email").elements))
    event_type = next(li.type for li in email._event_listeners.values()
                      if li.type.startswith("update:"))
    browser_event(user, email, event_type, account.email)
    assert email.value == account.email
