"""The admin's screenings view through the simulated user: filters, sorting and paging on
the server, per-row actions, selections, "all matching" with its confirmation and cap, and
who may see and do what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.admin_views.conftest import ACT, T0, audit_rows, counters, load, settle, submit
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.anyio
PATH = "/admin/batches"


def rows(user) -> list[dict]:
    return next(iter(user.find(marker="batches").elements)).rows


def titles(user) -> list[str]:
    return [r["title"] for r in rows(user)]


def world():
    ann, bob = make_account(plan="enterprise"), make_account(plan="free")
    ids = {
        "welder": submit(ann, "Welder", 3, lane="high", created_at=T0),
        "nurse": submit(ann, "Nurse night", 2, names=["maria_cv.pdf", "b.txt"],
                        created_at=T0 + timedelta(days=1)),
        "analyst": submit(bob, "Analyst", 4, created_at=T0 + timedelta(days=2)),
        "cashier": submit(bob, "Cashier", 1, created_at=T0 + timedelta(days=3)),
    }
    settle(ids["analyst"], failed={0: "Bad file.", 1: "Bad file."})
    return ann, bob, ids


async def open_as(user, role: str = "admin"):
    account = make_account(role=role)
    await sign_in(user, account.email, PASSWORD)
    await user.open(PATH)
    return account


async def test_every_users_screenings_filtered_sorted_and_paged(user, web):
    ann, bob, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    assert titles(user) == ["Cashier", "Analyst", "Nurse night", "Welder"]
    first = rows(user)[1]
    assert {k: first[k] for k in ("owner", "status_text", "lane", "kind", "total", "failed",
                                  "progress", "created")} == {
        "owner": bob.email, "status_text": "Finished", "lane": "low", "kind": "noop",
        "total": 4, "failed": 2, "progress": "4 of 4", "created": "2025-03-03 12:00 UTC"}
    # Filters: status, lane, owner, text (title or file name), dates
    user.find(marker="filter-status").elements.pop().value = ["queued"]
    user.find(marker="apply-filters").click()
    await user.should_see("3 screenings match", retries=ACT)
    user.find(marker="filter-lane").elements.pop().value = ["low"]
    user.find(marker="apply-filters").click()
    await user.should_see("1 screening match", retries=ACT)
    assert titles(user) == ["Cashier"]
    user.find(marker="clear-filters").click()
    await user.should_see("4 screenings match", retries=ACT)
    user.find(marker="filter-text").type("MARIA")
    user.find(marker="apply-filters").click()
    await user.should_see("1 screening match", retries=ACT)
    assert titles(user) == ["Nurse night"]
    user.find(marker="clear-filters").click()
    user.find(marker="filter-owner").type(ann.email)
    user.find(marker="filter-from").elements.pop().value = "2025-03-02"
    user.find(marker="filter-to").elements.pop().value = "2025-03-02"
    user.find(marker="apply-filters").click()
    await user.should_see("1 screening match", retries=ACT)
    assert titles(user) == ["Nurse night"]
    user.find(marker="filter-to").elements.pop().value = "March"
    user.find(marker="apply-filters").click()
    await user.should_see("March is not a date: write it like 2025-03-31.", retries=ACT)
    user.find(marker="clear-filters").click()
    # A column header click asks the server; pages follow the cursor and come back
    table = user.find(marker="batches")
    table.trigger("request", {"sortBy": "total", "descending": True, "page": 1,
                              "rowsPerPage": 2})
    assert titles(user) == ["Analyst", "Welder"]
    user.find(marker="page-next").click()
    assert titles(user) == ["Nurse night", "Cashier"]
    assert not user.find(marker="page-next").elements.pop().enabled
    user.find(marker="page-previous").click()
    assert titles(user) == ["Analyst", "Welder"]
    table.trigger("request", {"sortBy": "created", "descending": False, "page": 1,
                              "rowsPerPage": 3})
    assert titles(user) == ["Welder", "Nurse night", "Analyst"]


async def test_row_actions_cancel_retry_move_delete(user, web):
    _, _, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    table = user.find(marker="batches")
    table.trigger("row_action", ids["welder"])
    await user.should_see("Waiting to start · high lane", retries=ACT)
    user.find(marker="row-cancel").click()
    await user.should_see("Cancel “Welder”?", retries=ACT)  # someone's work: it asks first
    assert load(ids["welder"]).status == "queued"
    await user.should_see("Keep them as they are")
    user.find(marker="confirm-yes").click()
    await user.should_see("The screening is being cancelled.", retries=ACT)
    assert load(ids["welder"]).status == "cancelled" and counters(ids["welder"]) == {
        "cancelled": 3}
    table.trigger("row_action", ids["analyst"])
    user.find(marker="row-retry").click()
    await user.should_see("2 failed files will be tried again.", retries=ACT)
    assert counters(ids["analyst"]) == {"done": 2, "queued": 2}
    table.trigger("row_action", ids["cashier"])
    user.find(marker="row-lane").elements.pop().value = "critical"
    user.find(marker="row-move").click()
    await user.should_see("The screening now uses the critical lane.", retries=ACT)
    assert load(ids["cashier"]).lane == "critical"
    # Delete asks first; an active screening is refused with the reason
    table.trigger("row_action", ids["cashier"])
    user.find(marker="row-delete").click()
    await user.should_see("Delete “Cashier”?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("This screening is still running. Cancel it first, and delete it"
                          " once it has stopped.", retries=ACT)
    table.trigger("row_action", ids["welder"])
    user.find(marker="row-delete").click()
    user.find(marker="confirm-yes").click()
    await user.should_see("The screening was deleted.", retries=ACT)
    assert load(ids["welder"]) is None
    assert "Welder" not in titles(user)
    assert [r["action"] for r in audit_rows()] == ["cancel", "retry", "move", "delete"]


async def test_a_selection_is_cancelled_with_skips_explained(user, web):
    _, _, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    chosen = [r for r in rows(user) if r["title"] in ("Welder", "Analyst", "Cashier")]
    assert not user.find(marker="selected-cancel").elements.pop().enabled  # nothing selected
    user.find(marker="batches").trigger("selection", {
        "added": True, "rows": chosen, "keys": [r["id"] for r in chosen]})
    await user.should_see("3 screenings selected")
    assert user.find(marker="selected-cancel").elements.pop().enabled
    user.find(marker="selected-cancel").click()
    await user.should_see("Cancel 3 selected screenings?", retries=ACT)
    user.find(marker="confirm-yes").click()
    message = ("2 screenings are being cancelled. 1 screening skipped: This screening has"
               " already finished; there is nothing to cancel (1).")
    await user.should_see(message)
    assert (load(ids["welder"]).status, load(ids["cashier"]).status) == ("cancelled",
                                                                         "cancelled")
    assert load(ids["analyst"]).status == "done" and load(ids["nurse"]).status == "queued"
    summary, = audit_rows("bulk_cancel")
    assert summary["details"]["changed"] == 2 and summary["details"]["skipped_ids"] == [
        ids["analyst"]]
    assert sorted(summary["details"]["changed_ids"]) == sorted([ids["welder"], ids["cashier"]])
    await user.should_see("None selected")


async def test_a_selection_is_moved_and_deleted(user, web):
    _, _, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    chosen = [r for r in rows(user) if r["title"] in ("Analyst", "Cashier")]
    table = user.find(marker="batches")
    table.trigger("selection", {"added": True, "rows": chosen,
                                "keys": [r["id"] for r in chosen]})
    user.find(marker="selected-lane").elements.pop().value = "high"
    user.find(marker="selected-move").click()
    await user.should_see("Move 2 selected screenings to the high lane?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("2 screenings moved to the high lane.", retries=ACT)
    assert {load(ids[k]).lane for k in ("analyst", "cashier")} == {"high"}
    chosen = [r for r in rows(user) if r["title"] in ("Analyst", "Cashier")]
    table.trigger("selection", {"added": True, "rows": chosen,
                                "keys": [r["id"] for r in chosen]})
    user.find(marker="selected-delete").click()
    await user.should_see("Delete 2 selected screenings?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("1 screening deleted. 1 screening skipped: This screening is still"
                          " running. Cancel it first, and delete it once it has stopped (1).", retries=ACT)
    assert load(ids["analyst"]) is None and load(ids["cashier"]) is not None
    await user.should_see("3 screenings match")


async def test_cancel_all_matching_confirms_the_count(user, web):
    _, _, ids = world()
    await open_as(user)
    user.find(marker="filter-status").elements.pop().value = ["queued"]
    user.find(marker="apply-filters").click()
    await user.should_see("3 screenings match", retries=ACT)
    user.find(marker="cancel-all").click()
    await user.should_see("Cancel all 3 matching screenings?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("3 screenings are being cancelled.", retries=ACT)
    assert {load(ids[k]).status for k in ("welder", "nurse", "cashier")} == {"cancelled"}
    assert load(ids["analyst"]).status == "done"
    summary, = audit_rows("bulk_cancel")
    assert summary["details"]["filter"] == {"statuses": ["queued"]}
    assert (summary["details"]["confirmed"], summary["details"]["changed"]) == (3, 3)
    assert len(audit_rows("cancel")) == 3
    await user.should_see("0 screenings match")


async def test_retry_all_matching_retries_the_failed_files(user, web):
    _, _, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    user.find(marker="retry-all").click()
    await user.should_see("Retry the failed files of all 4 matching screenings?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see("2 failed files in 1 screening will be tried again. 3 screenings"
                          " skipped: There is nothing to retry in this screening (3).", retries=ACT)
    assert counters(ids["analyst"]) == {"done": 2, "queued": 2}


@pytest.mark.parametrize("stack_overrides", [{"ADMIN_BULK_MAX_BATCHES": 2}])
async def test_all_matching_above_the_cap_is_refused_with_the_count(user, web):
    _, _, ids = world()
    await open_as(user)
    await user.should_see("4 screenings match")
    user.find(marker="cancel-all").click()
    await user.should_see("4 screenings match this filter, but one action may change at most"
                          " 2. Narrow the filter (for example by status, lane or date) and"
                          " try again, in parts.", retries=ACT)
    await user.should_not_see("Cancel all 4 matching screenings?")
    assert {load(i).status for i in ids.values()} == {"queued", "done"}
    assert audit_rows() == []
    # Narrowed to two, it goes through
    user.find(marker="filter-lane").elements.pop().value = ["low"]
    user.find(marker="apply-filters").click()
    await user.should_see("2 screenings match", retries=ACT)
    user.find(marker="cancel-all").click()
    await user.should_see("Cancel all 2 matching screenings?", retries=ACT)


async def test_a_read_only_admin_sees_everything_and_every_action_is_disabled(user, web):
    _, _, ids = world()
    await open_as(user, role="readonly_admin")
    await user.should_see("4 screenings match")
    await user.should_see("Your account can view everything but change nothing.")
    await user.should_see(marker="read-only-badge")
    for marker in ("cancel-all", "retry-all", "selected-cancel", "selected-retry",
                   "selected-delete", "selected-move", "selected-lane", "row-cancel",
                   "row-retry", "row-delete", "row-move", "row-lane"):
        assert not user.find(marker=marker).elements.pop().enabled, marker
    user.find(marker="cancel-all").click()
    user.find(marker="batches").trigger("row_action", ids["welder"])
    user.find(marker="row-cancel").click()
    await user.should_not_see("Cancel all 4 matching screenings?")
    assert load(ids["welder"]).status == "queued" and audit_rows() == []


async def test_recruiters_and_signed_out_visitors_are_refused(user, web):
    world()
    response = await user.http_client.get(PATH, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/admin/batches"
    await open_as(user, role="recruiter")
    await user.should_see("This page is for admins.")
    await user.should_not_see(marker="batches")
    await user.should_not_see(marker="nav-admin")


def cancel_midway(batch_id: str, *, done: int, failed: int) -> None:
    """A screening cancelled after `done` files were screened and `failed` failed (a
    retryable reason): the rest cancelled, counters equal to the items' states."""
    from sqlalchemy import func, select, update

    from app.db import get_engine
    from app.models import Batch, Item

    batch_t, item_t = Batch.__table__, Item.__table__
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.batch_id == batch_id).values(
            status="cancelled", error="Cancelled before it started."))
        for seq in range(done + failed):
            conn.execute(update(item_t).where(item_t.c.batch_id == batch_id,
                                              item_t.c.seq == seq).values(
                status="done" if seq < done else "failed", attempts=1,
                error=None if seq < done else "A temporary problem.", retryable=True))
        counts = dict(conn.execute(select(item_t.c.status, func.count()).where(
            item_t.c.batch_id == batch_id).group_by(item_t.c.status)).all())
        conn.execute(update(batch_t).where(batch_t.c.id == batch_id).values(
            status="cancelled", n_pending=0, n_queued=0, n_running=0,
            n_done=counts.get("done", 0), n_failed=counts.get("failed", 0),
            n_cancelled=counts.get("cancelled", 0), cancelled_at=T0, finished_at=T0))


async def test_an_admin_retries_someones_cancelled_files_after_confirming(user, web):
    import uuid

    ann, _, ids = world()
    welder = uuid.UUID(ids["welder"])
    cancel_midway(welder, done=1, failed=1)
    await open_as(user)
    await user.should_see("4 screenings match")
    row = next(r for r in rows(user) if r["title"] == "Welder")
    assert (row["status_text"], row["progress"]) == ("Cancelled", "2 of 3, 1 not screened")
    table = user.find(marker="batches")
    # A screening with nothing cancelled does not offer it
    table.trigger("row_action", ids["analyst"])
    await user.should_see("Finished · low lane", retries=ACT)
    await user.should_not_see(marker="row-retry-cancelled")
    table.trigger("row_action", ids["welder"])
    await user.should_see(f"Cancelled — 2 of 3 screened, 1 not screened · high lane · {ann.email}",
                          retries=ACT)
    user.find(marker="row-retry-cancelled").click()
    # Someone else's work: it asks first, saying what will change
    await user.should_see("Retry the cancelled files of “Welder”?", retries=ACT)
    await user.should_see(f"1 file of {ann.email} not screened when it was cancelled, and 1 file"
                          " that failed, will be screened now in the high lane. Results so far"
                          " are kept; the screening runs again and no longer shows as cancelled"
                          " once it ends.")
    assert load(ids["welder"]).status == "cancelled"
    user.find(marker="confirm-yes").click()
    await user.should_see("2 files will be tried again.", retries=ACT)
    after = load(ids["welder"])
    assert (after.status, after.cancelled_at) == ("running", None)
    assert counters(ids["welder"]) == {"done": 1, "queued": 2}
    [audit] = audit_rows("retry")
    assert (audit["batch_id"], audit["details"]["include_cancelled"]) == (welder, True)
