"""app.admin.bulk and app.engine.batches.delete in the service: selections, "all matching" with its cap,
skips with the rule's reason, audit rows, and refusals of recruiters and read-only admins."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.admin import bulk
from app.admin.batch_search import BatchFilter
from app.db import get_engine
from app.engine import batches
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import Document, Item
from tests.admin_views.conftest import (
    audit_rows,
    counters,
    item_states,
    load,
    settle,
    submit,
)
from tests.engine.helpers import make_user

FINISHED = "This screening has already finished; there is nothing to cancel."
NOTHING = "There is nothing to retry in this screening."


def test_cancel_a_selection_skips_finished_ones_and_records_which(stack):
    admin, alice = make_user(role="admin"), make_user()
    a, b, c = submit(alice, "A", 3), submit(alice, "B", 2), submit(alice, "C", 2)
    settle(c)
    result = bulk.apply_to_selection(admin, "cancel", [a, b, c])
    assert result.changed == [a, b]
    assert result.skipped == {FINISHED: [c]}
    assert result.message == ("2 screenings are being cancelled. 1 screening skipped: This"
                              " screening has already finished; there is nothing to cancel (1).")
    assert (load(a).status, counters(a), item_states(a)) == (
        "cancelled", {"cancelled": 3}, {"cancelled": 3})
    assert (load(b).status, counters(b)) == ("cancelled", {"cancelled": 2})
    assert load(c).status == "done"
    # One row per batch changed (by the per-batch rule), one for the bulk action
    per_batch = audit_rows("cancel")
    summary, = audit_rows("bulk_cancel")
    assert [str(r["batch_id"]) for r in per_batch] == [a, b]
    assert {r["details"]["bulk"] for r in per_batch} == {summary["details"]["bulk"]}
    assert summary["actor_id"] == admin.id and summary["batch_id"] is None
    details = {k: v for k, v in summary["details"].items() if k != "bulk"}
    assert details == {"by": admin.email, "scope": "selection", "changed": 2,
                       "changed_ids": [a, b], "skipped": 1, "skipped_ids": [c],
                       "skip_reasons": {FINISHED: 1}}


def test_retry_move_and_delete_a_selection(stack):
    admin, alice = make_user(role="admin"), make_user(plan="free")
    a, b, c = submit(alice, "A", 4), submit(alice, "B", 3), submit(alice, "C", 2)
    settle(a, failed={0: "Bad file.", 2: "Bad file."})
    settle(b)
    result = bulk.apply_to_selection(admin, "retry", [a, b])
    assert (result.changed, result.items, result.skipped) == ([a], 2, {NOTHING: [b]})
    assert result.message == ("2 failed files in 1 screening will be tried again. 1 screening"
                              " skipped: There is nothing to retry in this screening (1).")
    # Dispatched again at once: the two failed files wait in the broker
    assert counters(a) == item_states(a) == {"done": 2, "queued": 2}
    assert load(a).status == "running"
    assert audit_rows("bulk_retry")[0]["details"]["items"] == 2

    moved = bulk.apply_to_selection(admin, "move", [a, c], lane="critical")
    assert moved.changed == [a, c] and moved.message == "2 screenings moved to the critical lane."
    again = bulk.apply_to_selection(admin, "move", [c], lane="critical")
    assert again.skipped == {"It is already in the critical lane.": [c]}
    assert (load(a).lane, load(c).lane) == ("critical", "critical")
    assert [r["details"]["lane_to"] for r in audit_rows("move")] == ["critical", "critical"]

    deleted = bulk.apply_to_selection(admin, "delete", [a, b, c])
    assert deleted.changed == [b]
    assert deleted.skipped == {"This screening is still running. Cancel it first, and delete"
                               " it once it has stopped.": [a, c]}
    assert load(b) is None and load(a) is not None
    with pytest.raises(InvalidInput, match="Choose the lane"):
        bulk.apply_to_selection(admin, "move", [a], lane="fast")
    with pytest.raises(InvalidInput, match="Select at least one"):
        bulk.apply_to_selection(admin, "cancel", [])


def test_delete_takes_items_documents_and_reports_and_refuses_active_ones(stack, monkeypatch):
    from app.engine import events

    admin, alice = make_user(role="admin"), make_user()
    done = batches.submit(alice, kind="resume", title="Nurse", params={"title": "Nurse"},
                          items=[batches.NewItem("a.txt", b"Ann\nSkills\nSQL\n"),
                                 batches.NewItem("b.txt", b"Bob\nSkills\nExcel\n")],
                          dispatch=False)
    keep = batches.submit(alice, kind="resume", title="Keep", params={"title": "Keep"},
                          items=[batches.NewItem("c.txt", b"Cy\nSkills\nSQL\n")],
                          dispatch=False)
    settle(str(done.id))
    # As if finalize had written the two reports
    from sqlalchemy import insert, update

    with get_engine().begin() as conn:
        ids = [conn.execute(insert(Document.__table__).values(
            sha256="0" * 64, size=1, content=b"x")).inserted_primary_key[0] for _ in range(2)]
        conn.execute(update(batches.batch_t).where(batches.batch_t.c.id == done.id)
                     .values(report_csv_id=ids[0], report_xlsx_id=ids[1]))
    documents_before = _count(Document)
    assert documents_before == 5
    sent: list[dict] = []
    monkeypatch.setattr(events, "publish_now", sent.append)
    with pytest.raises(Conflict, match="still running. Cancel it first"):
        batches.delete(admin, keep.id)
    # Another recruiter finds nothing there; a read-only admin changes nothing (the owner
    # may delete it: tests/recruiting/test_retention.py)
    with pytest.raises(NotFound):
        batches.delete(make_user(), done.id)
    viewer = make_user(role="readonly_admin")
    with pytest.raises(PermissionDenied, match="can view everything but change nothing"):
        batches.delete(viewer, done.id)
    assert sent == []  # nothing was deleted yet
    batches.delete(admin, done.id)
    assert load(str(done.id)) is None
    # Its open pages and the lists showing it are told (ui.live)
    assert sent == [{"type": "deleted", "batch_id": str(done.id), "owner_id": alice.id}]
    assert _count(Document) == 1 and _count(Item) == 1  # only the other batch's
    row, = audit_rows("delete")
    assert (row["batch_id"], row["details"]["items"], row["details"]["title"]) == (
        done.id, 2, "Nurse")


def _count(model) -> int:
    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_all_matching_states_the_count_and_keeps_to_it(stack):
    admin, alice, bob = make_user(role="admin"), make_user(), make_user()
    running = [submit(alice, f"A{i}", 2) for i in range(3)]
    other = submit(bob, "B", 2)
    finished = submit(alice, "A done", 2)
    settle(finished)
    mine = BatchFilter(owner=alice.email, statuses=["queued"])
    preview = bulk.preview_all_matching(admin, "cancel", mine)
    assert (preview.count, preview.cap) == (3, 1000)
    # One more arrives before the admin confirms: refused, nothing changed
    late = submit(alice, "A late", 1)
    with pytest.raises(Conflict, match="4 screenings match now, more than the 3 you confirmed"):
        bulk.apply_all_matching(admin, "cancel", mine, confirmed=3)
    assert load(late).status == "queued"
    result = bulk.apply_all_matching(admin, "cancel", mine, confirmed=4)
    assert sorted(result.changed) == sorted([*running, late])
    assert {load(b).status for b in [*running, late]} == {"cancelled"}
    assert load(other).status == "queued" and load(finished).status == "done"
    summary, = audit_rows("bulk_cancel")
    assert summary["details"]["scope"] == "all_matching"
    assert summary["details"]["filter"] == {"statuses": ["queued"], "owner": alice.email}
    assert summary["details"]["confirmed"] == 4 and summary["details"]["changed"] == 4
    assert sorted(summary["details"]["changed_ids"]) == sorted([*running, late])
    with pytest.raises(InvalidInput, match="Only cancel and retry"):
        bulk.preview_all_matching(admin, "delete", mine)


def test_all_matching_over_the_cap_is_refused_with_the_count(stack_factory):
    stack_factory(ADMIN_BULK_MAX_BATCHES=2)
    admin, alice = make_user(role="admin"), make_user()
    ids = [submit(alice, f"A{i}", 1) for i in range(3)]
    message = ("3 screenings match this filter, but one action may change at most 2. Narrow"
               " the filter (for example by status, lane or date) and try again, in parts.")
    with pytest.raises(bulk.TooManyBatches) as refused:
        bulk.preview_all_matching(admin, "retry", BatchFilter())
    assert refused.value.message == message
    with pytest.raises(bulk.TooManyBatches) as refused:
        bulk.apply_all_matching(admin, "cancel", BatchFilter(), confirmed=3)
    assert refused.value.message == message
    with pytest.raises(bulk.TooManyBatches, match="3 screenings are selected, but one action"):
        bulk.apply_to_selection(admin, "cancel", ids)
    assert {load(i).status for i in ids} == {"queued"}
    assert audit_rows("bulk_cancel") == [] and audit_rows("cancel") == []
    assert bulk.preview_all_matching(admin, "cancel", BatchFilter(text="A1")).count == 1


@pytest.mark.parametrize("role, message", [
    ("recruiter", "Only an admin can {}."),
    ("readonly_admin", "Only an admin can {}."),
])
def test_recruiters_and_read_only_admins_are_refused_every_bulk_action(stack, role, message):
    someone, alice = make_user(role=role, plan="free"), make_user(plan="free")
    own = submit(someone, "Own", 1) if role == "recruiter" else submit(alice, "Theirs", 1)
    what = {"cancel": "cancel screenings", "retry": "retry screenings",
            "move": "move screenings to another lane", "delete": "delete screenings"}
    for action in bulk.ACTIONS:
        with pytest.raises(PermissionDenied, match=message.format(what[action])):
            bulk.apply_to_selection(someone, action, [own], lane="critical")
    for action in bulk.ALL_MATCHING_ACTIONS:
        with pytest.raises(PermissionDenied, match=message.format(what[action])):
            bulk.preview_all_matching(someone, action, BatchFilter())
        with pytest.raises(PermissionDenied, match=message.format(what[action])):
            bulk.apply_all_matching(someone, action, BatchFilter(), confirmed=1)
    with pytest.raises(PermissionDenied, match="Only an admin can move a screening"):
        batches.move(someone, own, "critical")
    assert (load(own).status, load(own).lane, audit_rows()) == ("queued", "low", [])
