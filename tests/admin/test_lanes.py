"""Pausing and resuming lanes: who may, what it does to dispatch, and the lanes page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.admin import overview
from app.db import build_engine, get_engine, set_engine
from app.engine import batches, lanes
from app.engine.broker import queue_depths
from app.errors import PermissionDenied
from app.models import Item
from tests.admin.helpers import text_of, wait_text
from tests.conftest import wait_until
from tests.engine.helpers import assert_counters_match_items, load, make_user, submit_noop
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

item_t = Item.__table__
REFUSED = "Only an admin can pause or resume a lane."


def item_states(batch_id) -> dict[str, int]:
    with get_engine().connect() as conn:
        rows = conn.execute(select(item_t.c.status, func.count())
                            .where(item_t.c.batch_id == batch_id).group_by(item_t.c.status))
        return dict(rows.all())


def test_recruiters_and_read_only_admins_cannot_pause_or_resume(stack):
    recruiter, viewer, admin = (make_user(), make_user(role="readonly_admin"),
                                make_user(role="admin"))
    for who in (recruiter, viewer):
        with pytest.raises(PermissionDenied, match=f"^{REFUSED}$"):
            lanes.pause(who, "normal")
    assert lanes.paused_lanes() == set()
    lanes.pause(admin, "normal")
    for who in (recruiter, viewer):
        with pytest.raises(PermissionDenied, match=f"^{REFUSED}$"):
            lanes.resume(who, "normal")
    assert lanes.paused_lanes() == {"normal"}


def test_a_pause_survives_a_restart(stack):
    admin = make_user(role="admin")
    lanes.pause(admin, "high")
    # A new process: a fresh engine and a fresh dashboard cache read the same state.
    set_engine(build_engine(stack.settings))
    overview.shared.reset()
    assert lanes.paused_lanes() == {"high"}
    dashboard = overview.dashboard(admin)
    assert [(lane.lane, lane.paused) for lane in dashboard.lanes] == [
        ("critical", False), ("high", True), ("normal", False), ("low", False)]
    assert dashboard.lane("high").changed_by == admin.email


def test_submitting_to_a_paused_lane_queues_nothing_and_resume_sends_at_once(stack_factory):
    stack_factory(DISPATCH_WINDOW=25)
    admin, recruiter = make_user(role="admin"), make_user(plan="basic")  # normal lane
    lanes.pause(admin, "normal")
    batch = submit_noop(recruiter, 40)
    after = load(batch.id)
    assert (after.status, after.n_pending, after.n_queued) == ("queued", 40, 0)
    assert item_states(batch.id) == {"pending": 40}
    assert queue_depths()["normal"] == 0
    other = submit_noop(make_user(plan="free"), 3)  # the low lane is not paused
    assert load(other.id).n_queued == 3

    sent = batches.resume_lane(admin, "normal")

    assert sent == 25  # the window, at once: no wait for the next top-up
    resumed = load(batch.id)
    assert (resumed.n_pending, resumed.n_queued) == (15, 25)
    assert queue_depths()["normal"] == 25
    assert item_states(batch.id) == {"pending": 15, "queued": 25}
    assert_counters_match_items(batch.id)


def test_a_running_worker_releases_nothing_new_while_its_lane_is_paused(stack_factory):
    """Each finished item normally releases the batch's next one; in a paused lane it must
    not. What is with the workers already finishes; the rest waits as pending."""
    stack = stack_factory(DISPATCH_WINDOW=4)
    admin, recruiter = make_user(role="admin"), make_user(plan="basic")
    batch = submit_noop(recruiter, 200, sleep_ms=100)
    with stack.worker(threads=2):
        wait_until(lambda: load(batch.id).n_done >= 4, message="a few items done")
        lanes.pause(admin, "normal")
        drained = wait_until(lambda: (b := load(batch.id)).n_queued + b.n_running == 0 and b,
                             timeout=60, message="the lane to drain")
        assert drained.n_pending > 0, "finished items kept releasing the next ones"
        assert queue_depths()["normal"] == 0
        sent = batches.resume_lane(admin, "normal")
        assert sent == 4
        final = wait_until(lambda: (b := load(batch.id)).status == "done" and b, timeout=120,
                           message="the batch to finish after the resume")
    assert final.n_done == 200
    assert_counters_match_items(batch.id)


# --- The page ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_admin_pauses_and_resumes_a_lane_on_the_page(user, web):
    admin = make_account(role="admin")
    waiting = submit_noop(make_user(plan="basic"), 3, dispatch=False)  # normal, pending
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/lanes")
    with user.scope(marker="lane-normal"):
        assert text_of(user, "lane-state") == "Running"
        assert text_of(user, "changed") == "Never paused."
        assert text_of(user, "pending") == "3"
    user.find(marker="pause-normal").click()
    await user.should_see("Pause the normal lane?")
    user.find(marker="confirm-yes").click()
    await user.should_see("The normal lane is paused: nothing new starts in it.")
    await wait_text(user, "lane-state", "Running")  # critical, the first card
    with user.scope(marker="lane-normal"):
        await wait_text(user, "lane-state", "Paused")
        assert text_of(user, "changed").startswith(f"Paused by {admin.email}, ")
    assert lanes.paused_lanes() == {"normal"}

    user.find(marker="resume-normal").click()
    await user.should_see("The normal lane runs again; 3 waiting items sent to the workers.")
    with user.scope(marker="lane-normal"):
        await wait_text(user, "lane-state", "Running")
        assert text_of(user, "changed").startswith(f"Resumed by {admin.email}, ")
    assert lanes.paused_lanes() == set() and load(waiting.id).n_queued == 3


@pytest.mark.anyio
async def test_read_only_admins_see_the_lanes_but_cannot_pause_them(user, web):
    lanes.pause(make_user(role="admin"), "low")
    viewer = make_account(role="readonly_admin")
    await sign_in(user, viewer.email, PASSWORD)
    await user.open("/admin/lanes")
    await user.should_see(marker="read-only-badge")
    pause, resume = (next(iter(user.find(marker=m).elements))
                     for m in ("pause-critical", "resume-low"))
    assert not pause.enabled and not resume.enabled
    user.find(marker="pause-critical").click()  # a disabled button does nothing
    await user.should_not_see("Pause the critical lane?")
    # A tampered browser could still send the click: the service refuses it anyway.
    resume.enable()
    user.find(marker="resume-low").click()
    await user.should_see(REFUSED)
    assert lanes.paused_lanes() == {"low"}


@pytest.mark.anyio
async def test_recruiters_cannot_reach_the_lanes_page(user, web):
    recruiter = make_account()
    await sign_in(user, recruiter.email, PASSWORD)
    await user.open("/admin/lanes")
    await user.should_see("This page is for admins.")
    await user.should_not_see(marker="pause-normal")
