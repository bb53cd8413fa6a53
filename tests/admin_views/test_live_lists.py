"""Live admin lists: when a list redraws (paused, held by a selection or an open menu, one
redraw at a time), the failures view's trigger, and the Screenings list following progress
events in the simulated user (the real browser: ui/test_admin_live_browser.py)."""

from __future__ import annotations

import asyncio

import pytest

from app.engine import events
from tests.admin_views.conftest import submit
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in
from ui.live import Snapshot
from ui.views.admin.failures import failed_counts_moved
from ui.views.admin.live_list import LiveControl, state_text

LIVE = 100


def control_with_log() -> tuple[LiveControl, list[str]]:
    log: list[str] = []
    control = LiveControl(lambda: log.append("redraw"))
    return control, log


def test_a_change_redraws_at_once_unless_paused_then_once_on_resume():
    control, log = control_with_log()
    control.changed()
    assert log == ["redraw"]
    control.set_paused(True)
    control.changed()
    control.changed()
    assert log == ["redraw"] and control.missed == 2
    assert state_text(control) == ("Updates paused. Newer changes will show when updates"
                                   " resume.")
    control.set_paused(False)
    assert log == ["redraw", "redraw"] and control.missed == 0
    assert state_text(control) == "Updates as screenings progress."
    control.set_paused(True)
    control.set_paused(False)  # nothing came meanwhile: nothing to read
    assert log == ["redraw", "redraw"]


def test_a_selection_or_an_open_menu_holds_the_list_until_the_last_goes():
    control, log = control_with_log()
    control.hold("selection", True)
    assert state_text(control) == "Updates wait while rows are selected."
    control.changed()
    control.hold("menu", True)
    assert state_text(control) == ("Updates wait while a menu is open and rows are selected."
                                    " Newer changes will show when updates resume.")
    control.hold("selection", False)
    assert log == []  # the menu still holds it
    control.hold("menu", False)
    assert log == ["redraw"]
    # Paused by hand and held: releasing the hold keeps the pause
    control.set_paused(True)
    control.hold("confirm", True)
    control.changed()
    control.hold("confirm", False)
    assert log == ["redraw"] and control.paused
    # A read that comes back after a hold began is not drawn, and counts as missed
    control.set_paused(False)
    assert log == ["redraw", "redraw"]
    control.hold("selection", True)
    assert control.still_live() is False and control.missed == 1
    control.hold("selection", False)
    assert log == ["redraw", "redraw", "redraw"] and control.still_live() is True


def test_changes_during_a_redraw_lead_to_exactly_one_more():
    log: list[int] = []

    def redraw() -> None:
        log.append(control.redraws)
        if control.redraws == 1:  # three changes arrive while the first redraw runs
            control.changed()
            control.changed()
            control.changed()

    control = LiveControl(redraw)
    control.changed()
    assert log == [1, 2] and not control.busy


def snap(batch_id: str, failed: int) -> Snapshot:
    return Snapshot(batch_id, 1, "running", 10, {"failed": failed})


def test_the_failures_view_reads_again_only_when_a_failed_count_moved():
    known: dict[str, int] = {}
    assert not failed_counts_moved(known, [snap("a", 0), snap("b", 0)])  # progress only
    assert failed_counts_moved(known, [snap("a", 0), snap("b", 2)])
    assert not failed_counts_moved(known, [snap("b", 2)])
    assert failed_counts_moved(known, [snap("b", 0)])  # retried
    assert known == {"a": 0, "b": 0}


def publish_progress(batch_id: str, owner_id: int, done: int, total: int) -> None:
    from sqlalchemy import update

    from app.db import get_engine
    from app.models import Batch

    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch_id).values(
            status="running", n_pending=0, n_queued=total - done, n_done=done))
    events.publish({"batch_id": str(batch_id), "owner_id": owner_id, "status": "running",
                    "lane": "normal", "total": total,
                    "counts": {"pending": 0, "queued": total - done, "running": 0,
                               "done": done, "failed": 0, "cancelled": 0}})


def progress_of(user, batch_id: str) -> str:
    rows = next(iter(user.find(marker="batches").elements)).rows
    return next(r["progress"] for r in rows if r["id"] == batch_id)


async def shows(user, batch_id: str, progress: str) -> None:
    for _ in range(LIVE):
        if progress_of(user, batch_id) == progress:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the row shows {progress_of(user, batch_id)}, not {progress}")


@pytest.mark.anyio
async def test_the_screenings_list_follows_events_and_holds_when_paused_or_selected(user, web):
    import uuid

    owner = make_account(plan="premium")
    batch_id = submit(owner, "Welder", 4)
    admin = make_account(role="admin")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/batches")
    await user.should_see("Updates as screenings progress.")
    assert progress_of(user, batch_id) == "0 of 4"
    publish_progress(uuid.UUID(batch_id), owner.id, 1, 4)
    await shows(user, batch_id, "1 of 4")
    # Paused: nothing moves; resumed: the latest shows
    user.find(marker="live-toggle").click()
    await user.should_see("Resume updates")
    publish_progress(uuid.UUID(batch_id), owner.id, 2, 4)
    await user.should_see("Newer changes will show when updates resume.", retries=LIVE)
    assert progress_of(user, batch_id) == "1 of 4"
    user.find(marker="live-toggle").click()
    await shows(user, batch_id, "2 of 4")
    # A selection holds it too, and keeps the selection; so does a row's menu
    chosen = [r for r in next(iter(user.find(marker="batches").elements)).rows
              if r["id"] == batch_id]
    user.find(marker="batches").trigger("selection", {
        "added": True, "rows": chosen, "keys": [batch_id]})
    await user.should_see("Updates wait while rows are selected.")
    publish_progress(uuid.UUID(batch_id), owner.id, 3, 4)
    await user.should_see("Newer changes will show when updates resume.", retries=LIVE)
    assert progress_of(user, batch_id) == "2 of 4"
    await user.should_see("1 screening selected")
    user.find(marker="batches").trigger("selection", {
        "added": False, "rows": chosen, "keys": [batch_id]})
    await shows(user, batch_id, "3 of 4")
    user.find(marker="batches").trigger("row_action", batch_id)
    await user.should_see("Updates wait while a menu is open.")
    publish_progress(uuid.UUID(batch_id), owner.id, 4, 4)
    await user.should_see("Newer changes will show when updates resume.", retries=LIVE)
    assert progress_of(user, batch_id) == "3 of 4"
