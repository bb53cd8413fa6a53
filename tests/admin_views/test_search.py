"""The dashboard's side of app.admin.batch_search: column sorts with keyset pages, capped counts,
and the three ways a file-name search finds its batches (all giving the same answer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.admin import batch_search
from app.admin.batch_search import BatchFilter
from app.db import get_engine
from app.errors import InvalidInput
from tests.admin_views.conftest import T0, batch_t, settle, submit
from tests.engine.helpers import make_user


@pytest.fixture
def world(stack):
    ann = make_user(plan="enterprise")
    bob = make_user(plan="free")
    ids = {
        "welder": submit(ann, "Welder", 3, lane="high", created_at=T0),
        "nurse": submit(ann, "nurse night", 1, names=["maria_cv.pdf"], created_at=T0 + timedelta(
            hours=1)),
        "analyst": submit(bob, "Analyst", 5, created_at=T0 + timedelta(hours=2)),
        "cashier": submit(bob, "Cashier", 2, names=["MARIA-2.txt", "tom.txt"],
                          created_at=T0 + timedelta(hours=3)),
    }
    settle(ids["analyst"], failed={0: "x", 1: "x", 2: "x"})
    settle(ids["welder"], failed={0: "x"})
    return make_user(role="admin"), ann, bob, ids


def titles(admin, sort: str, limit: int = 2, filters=None) -> list[str]:
    """Every page, following the cursors."""
    out, cursor = [], None
    while True:
        page = batch_search.search(admin, filters, sort=sort, limit=limit, cursor=cursor)
        out += [r.batch.title for r in page.rows]
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def test_every_column_sorts_both_ways_across_pages(world):
    admin, *_ = world
    assert titles(admin, "newest") == ["Cashier", "Analyst", "nurse night", "Welder"]
    assert titles(admin, "oldest") == ["Welder", "nurse night", "Analyst", "Cashier"]
    assert titles(admin, "title") == ["Analyst", "Cashier", "nurse night", "Welder"]
    assert titles(admin, "-title") == ["Welder", "nurse night", "Cashier", "Analyst"]
    assert titles(admin, "-total") == ["Analyst", "Welder", "Cashier", "nurse night"]
    assert titles(admin, "-failed")[:2] == ["Analyst", "Welder"]
    # The lane sorts by priority (critical, high, ..., low), not by name; ties by id
    by_lane = titles(admin, "lane")
    assert by_lane[:2] == ["nurse night", "Welder"]
    assert set(by_lane[2:]) == {"Analyst", "Cashier"}
    assert titles(admin, "-lane")[2:] == ["Welder", "nurse night"]
    by_status = titles(admin, "status")  # done, done, queued, queued
    assert set(by_status[:2]) == {"Analyst", "Welder"}
    owners = [r.owner_email for r in batch_search.search(admin, sort="owner").rows]
    assert owners == sorted(owners) and len(set(owners)) == 2
    assert len(titles(admin, "owner", limit=1)) == 4
    with pytest.raises(InvalidInput, match="Sort by one of: newest, oldest, or a column"):
        batch_search.search(admin, sort="size")
    page = batch_search.search(admin, sort="title", limit=1)
    with pytest.raises(batch_search.InvalidCursor):
        batch_search.search(admin, sort="-title", cursor=page.next_cursor)


def test_counts_are_exact_up_to_their_cap(world):
    admin, ann, _, _ = world
    assert batch_search.count_matching(admin) == batch_search.MatchCount(4, False)
    assert batch_search.count_matching(admin, at_most=3) == batch_search.MatchCount(3, True)
    assert batch_search.count_matching(admin, BatchFilter(statuses=["queued"])).n == 2
    assert batch_search.count_matching(ann).n == 2  # a recruiter counts their own
    page, count = batch_search.search_and_count(admin, BatchFilter(text="maria"), count=True,
                                                limit=1)
    assert count == batch_search.MatchCount(2, False) and page.next_cursor is not None
    assert batch_search.search_and_count(admin)[1] is None


@pytest.mark.parametrize("way", ["few batches", "few names", "walk"])
def test_the_three_ways_of_a_file_name_search_agree(world, monkeypatch, way):
    admin, ann, _, _ = world
    if way != "few batches":
        monkeypatch.setattr(batch_search, "MAX_NAME_SEARCH_BATCHES", 1)
    if way == "walk":
        monkeypatch.setattr(batch_search, "MAX_NAME_PROBE_ITEMS", 1)
    assert titles(admin, "newest", filters=BatchFilter(text="maria")) == ["Cashier",
                                                                           "nurse night"]
    assert titles(admin, "title", filters=BatchFilter(text="MARIA")) == ["Cashier",
                                                                          "nurse night"]
    assert titles(admin, "newest", filters=BatchFilter(text="welder-2")) == ["Welder"]
    assert titles(admin, "newest", filters=BatchFilter(text="zzz")) == []
    assert titles(ann, "newest", filters=BatchFilter(text="maria")) == ["nurse night"]
    assert batch_search.count_matching(admin, BatchFilter(text="maria")).n == 2
    assert batch_search.count_matching(admin, BatchFilter(text="maria", lanes=["low"])).n == 1


def test_short_text_searches_titles_only(world):
    admin, *_ = world
    # "ma" is in "maria_cv.pdf" but shorter than MIN_NAME_CHARS: titles only
    assert titles(admin, "newest", filters=BatchFilter(text="ma")) == []
    assert titles(admin, "newest", filters=BatchFilter(text="ni")) == ["nurse night"]


def test_matching_ids_are_oldest_first_and_limited(world):
    admin, _, _, ids = world
    assert [str(i) for i in batch_search.matching_ids(admin, limit=2)] == [
        ids["welder"], ids["nurse"]]
    with get_engine().begin() as conn:  # the cursor survives a change of the sort column
        conn.execute(update(batch_t).values(title="Same"))
    assert len(titles(admin, "title", limit=1)) == 4
