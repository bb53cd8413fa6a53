"""The screening's Share dialog (issue 24, part 4): the owner creates a link (shown once,
with its real token), sees it listed and withdraws it; a read-only admin only sees the
links."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.models import ShareLink
from app.recruiting import sharing
from tests.engine.helpers import submit_noop
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.anyio


def _links() -> list[ShareLink]:
    with session_scope() as session:
        return list(session.execute(select(ShareLink).order_by(ShareLink.id)).scalars())


async def _until(predicate) -> None:
    for _ in range(100):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_the_owner_creates_a_blind_link_copies_it_once_and_withdraws_it(user, web):
    owner = make_account()
    batch = submit_noop(owner, 2, dispatch=False)
    await sign_in(user, owner.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    user.find(marker="share").click()
    await user.should_see("Share this screening")
    await user.should_see("None yet.")

    next(iter(user.find(marker="share-days").elements)).value = 30
    user.find(marker="share-blind").click()
    user.find(marker="share-create").click()
    await user.should_see("Copy the link now: it is shown only this once.")
    [link] = _links()
    assert (link.blind, link.created_by) == (True, owner.id)
    assert timedelta(days=29, hours=23) < link.expires_at - link.created_at <= timedelta(days=30)
    url = next(iter(user.find(marker="share-url").elements)).value
    prefix, token = url.split("/shared/")
    assert prefix.startswith("http") and sharing.token_hash(token) == link.token_hash
    await user.should_see("Blind · Works until")
    await user.should_see("Not opened yet")

    user.find(marker=f"share-withdraw-{link.id}").click()
    await _until(lambda: _links()[0].revoked_at is not None)
    await user.should_see("Withdrawn just now")
    await user.should_see("Link withdrawn: it no longer opens.")


async def test_a_read_only_admin_sees_the_links_but_cannot_create_or_withdraw(user, web):
    owner, viewer = make_account(), make_account(role="readonly_admin")
    batch = submit_noop(owner, 1, dispatch=False)
    link = sharing.create_share(owner, batch.id, days=7).link
    await sign_in(user, viewer.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    user.find(marker="share").click()
    await user.should_see("Links to this screening")
    await user.should_see(f"by {owner.email}")
    await user.should_not_see(marker="share-create")
    await user.should_not_see(marker=f"share-withdraw-{link.id}")
