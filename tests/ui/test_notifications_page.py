"""Notifications in the app (issue 24, part 5): the toast on an open page and the bell's
unread count when a screening finishes, the bell's list (read when opened), and the
choices and the webhook on /account/notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import get_engine, session_scope
from app.engine import finalize
from app.errors import NotFound
from app.models import Batch, Item
from app.models import User as Account
from app.notify import notifications, webhooks
from tests.engine.helpers import submit_noop
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.anyio


def finish(batch_id, done: int, failed: int = 0, title: str = "Nurses") -> None:
    """The batch's items ended as a worker leaves them; then its finalize message."""
    with get_engine().begin() as conn:
        ids = [i for (i,) in conn.execute(Item.__table__.select().with_only_columns(
            Item.__table__.c.id).where(Item.__table__.c.batch_id == batch_id)
            .order_by(Item.__table__.c.seq))]
        for n, item_id in enumerate(ids):
            conn.execute(update(Item.__table__).where(Item.__table__.c.id == item_id)
                         .values(status="done" if n < done else "failed"))
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch_id).values(
            status="done" if done else "failed", title=title, n_pending=0, n_queued=0,
            n_done=done, n_failed=failed))
    assert finalize.finalize_batch(batch_id) is True


def open_bell(user) -> None:
    """What the browser does on a click of the bell (Quasar opens the menu itself)."""
    next(iter(user.find(marker="bell-popup").elements)).value = True


def texts(user, marker: str) -> list[str]:
    return [e.text for e in user.find(marker=marker).elements]


async def test_a_finished_screening_shows_a_toast_and_the_bell_counts_it(user, web):
    account = make_account()
    batch = submit_noop(account, 3, dispatch=False)
    await sign_in(user, account.email, PASSWORD)
    await user.open("/")
    await user.should_not_see(marker="bell-count")  # nothing unread: no count
    finish(batch.id, done=2, failed=1)
    await user.should_see("Your screening “Nurses” finished: 2 screened, 1 could not be read.",
                          retries=50)
    await user.should_see(marker="toast-link")
    link = next(iter(user.find(marker="toast-link").elements))
    assert link.props["href"] == f"/screenings/{batch.id}"
    assert texts(user, "bell-count") == ["1"]

    # The bell's list; opening a notification reads it and goes to the screening
    open_bell(user)
    await user.should_see(marker="bell-row")
    assert texts(user, "bell-settings") == ["Notification settings"]
    user.find(marker="bell-row").click()
    await user.should_see("Nurses", retries=20)
    assert notifications.unread_count(account) == 0


async def test_mark_all_read_and_no_toast_for_someone_else(user, web):
    account, other = make_account(), make_account()
    mine = submit_noop(account, 1, dispatch=False)
    theirs = submit_noop(other, 1, dispatch=False)
    await sign_in(user, account.email, PASSWORD)
    await user.open("/candidates")
    finish(theirs.id, done=1, title="Theirs")
    finish(mine.id, done=0, failed=1, title="Mine")
    await user.should_see("Your screening “Mine” failed: none of its 1 files could be read.",
                          retries=50)
    await user.should_not_see("Theirs")
    open_bell(user)
    await user.should_see(marker="bell-read-all")
    user.find(marker="bell-read-all").click()
    await user.should_not_see(marker="bell-read-all")
    assert notifications.unread_count(account) == 0
    assert notifications.unread_count(other) == 1


async def test_choices_and_the_webhook_on_the_settings_page(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.open("/account/notifications")
    await user.should_see("E-mail is not set up on this Shortlist yet")
    email_box = next(iter(user.find(marker="choice-email").elements))
    assert email_box.enabled is False
    next(iter(user.find(marker="choice-app").elements)).value = False
    await user.should_see("Saved.")
    with session_scope() as session:
        stored = session.get(Account, account.id)
        assert (stored.notify_in_app, stored.notify_email) == (False, False)

    user.find(marker="webhook-url").type("ftp://example.com/x")
    user.find(marker="webhook-save").click()
    await user.should_see("A webhook address starts with https:// or http://")
    with pytest.raises(NotFound):
        webhooks.get_webhook(account)
    next(iter(user.find(marker="webhook-url").elements)).value = "https://93.184.215.14/hook"
    user.find(marker="webhook-save").click()
    await user.should_see("Copy it now: it is shown only once.")
    shown = webhooks.get_webhook(account)
    assert shown.url == "https://93.184.215.14/hook"
    await user.should_see("Now: https://93.184.215.14/hook")

    await user.open("/account/notifications")  # the secret is not shown again
    await user.should_not_see("Copy it now")
    user.find(marker="webhook-remove").click()
    await user.should_see(marker="webhook-remove-confirm")
    user.find(marker="webhook-remove-confirm").click()
    await user.should_not_see(marker="webhook-remove")
    with pytest.raises(NotFound):
        webhooks.get_webhook(account)
