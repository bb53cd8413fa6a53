"""My screenings: search by title, filter by state, a summary by band (issue 25, part 5)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import get_engine
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput
from app.models import Batch, Item
from app.recruiting import screenings
from tests.analysis import factories
from tests.engine.helpers import make_user, submit_noop, wait_finished
from ui import words

batch_t, item_t = Batch.__table__, Item.__table__
OPENING = {"title": "Registered Nurse", "must_have": ["Patient care"]}


def titles(page) -> list[str]:
    return [r.batch.title for r in page.rows]


def test_search_and_filter_a_recruiters_own_screenings(stack):
    me, other = make_user(), make_user()
    for title in ("Night nurse", "ICU Nurse 100%", "Accountant"):
        batches.submit(me, kind="noop", items=[NewItem("a")], title=title, operator=True)
    batches.submit(other, kind="noop", items=[NewItem("a")], title="Nurse", operator=True)
    assert titles(screenings.my_screenings(me)) == ["Accountant", "ICU Nurse 100%",
                                                    "Night nurse"]
    assert titles(screenings.my_screenings(me, q="NURSE")) == ["ICU Nurse 100%", "Night nurse"]
    # Wildcards are letters here: "100%" finds one title, "%" alone no other.
    assert titles(screenings.my_screenings(me, q="100%")) == ["ICU Nurse 100%"]
    assert titles(screenings.my_screenings(me, q="_")) == []
    done = screenings.my_screenings(me, q="accountant").rows[0].batch
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == done.id).values(status="done"))
    assert titles(screenings.my_screenings(me, status="finished")) == ["Accountant"]
    assert titles(screenings.my_screenings(me, status="active")) == ["ICU Nurse 100%",
                                                                     "Night nurse"]
    assert screenings.my_screenings(me, status="stopped").total == 0
    with pytest.raises(InvalidInput, match="Filter by one of: all, active, finished, stopped"):
        screenings.my_screenings(me, status="deleted")


def test_the_summary_counts_screened_files_by_band(stack):
    me = make_user(plan="basic")
    batch = batches.submit(me, kind="resume", title="Nurses", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("nurse2.txt", (factories.NURSE + "\nICU").encode()),
        NewItem("sales.txt", factories.SALES.encode())])
    with stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
    row = screenings.my_screenings(me).rows[0]
    assert sum(row.bands.values()) == 3
    expected = {}
    for item_band in _bands(batch.id):
        expected[item_band] = expected.get(item_band, 0) + 1
    assert row.bands == expected
    assert screenings.summaries(me, [str(batch.id), "not-an-id"]) == {str(batch.id): expected}
    assert screenings.summaries(make_user(), [str(batch.id)]) == {}  # not theirs


def _bands(batch_id) -> list[str]:
    from tests.engine.helpers import items

    return [i.result["match"]["band"] for i in items(batch_id) if i.status == "done"]


def test_summary_words():
    assert words.summary_text({}, 40) == ""
    assert words.summary_text({"strong": 3, "good": 5, "weak": 2}, 40) == "3 strong, 5 good of 40"
    assert words.summary_text({"good": 1}, 2) == "1 good of 2"
    assert words.summary_text({"partial": 2, "weak": 1}, 3) == "No strong or good fit yet of 3"


def test_noop_batches_have_no_summary(stack):
    me = make_user()
    batch = submit_noop(me, 2)
    with stack.worker(threads=1):
        wait_finished(batch.id)
    assert screenings.my_screenings(me).rows[0].bands == {}
