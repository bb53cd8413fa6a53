"""Finding people inside a shortlist (issue 24, part 2): each filter keeps exactly the
people it matches, with their rank in the whole screening."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput
from app.recruiting import decisions, queries
from app.recruiting.shortlist_filter import ShortlistFilter
from tests.analysis import factories
from tests.engine.helpers import make_user, wait_finished

OPENING = {"title": "Software Engineer", "description": "Python, Django, AWS, Docker.",
           "must_have": ["Python"], "nice_to_have": ["Docker"]}
FILES = {"jane.txt": factories.SOFTWARE_SENIOR, "sam.txt": factories.SOFTWARE_JUNIOR,
         "maria.txt": factories.NURSE, "robert.txt": factories.ACCOUNTANT}


def _names(user, batch_id, **given) -> list[tuple[int, str]]:
    page = queries.shortlist(user, batch_id, filters=ShortlistFilter(**given))
    assert page.total == len(page.rows)
    return [(r.rank, r.file) for r in page.rows]


def test_each_filter_keeps_exactly_whom_it_matches_with_their_rank(stack):
    owner = make_user()
    batch = batches.submit(owner, kind="resume", title="Dev", params=OPENING,
                           items=[NewItem(n, t.encode()) for n, t in FILES.items()])
    with stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
    everyone = _names(owner, batch.id)
    assert [f for _, f in everyone][:2] == ["jane.txt", "sam.txt"]
    rank = dict((f, r) for r, f in everyone)
    rows = {r.file: r for r in queries.shortlist(owner, batch.id).rows}
    bands = {f: r.band for f, r in rows.items()}

    assert _names(owner, batch.id, band=bands["jane.txt"]) == [
        (rank[f], f) for _, f in everyone if bands[f] == bands["jane.txt"]]
    assert _names(owner, batch.id, skill="python") == [
        (rank[f], f) for _, f in everyone if f in ("jane.txt", "sam.txt")]
    assert _names(owner, batch.id, words="MARIA") == [(rank["maria.txt"], "maria.txt")]
    assert _names(owner, batch.id, words="robert.txt") == [(rank["robert.txt"], "robert.txt")]
    years = {f: r.years for f, r in rows.items()}
    assert _names(owner, batch.id, min_years=5) == [
        (rank[f], f) for _, f in everyone if (years[f] or 0) >= 5]

    sam = rows["sam.txt"].item_id
    decisions.decide(owner, sam, status="interview", starred=True, tags=["Remote OK"])
    assert _names(owner, batch.id, status="interview") == [(rank["sam.txt"], "sam.txt")]
    assert _names(owner, batch.id, status="new") == [
        (rank[f], f) for _, f in everyone if f != "sam.txt"]
    assert _names(owner, batch.id, tag="remote ok") == [(rank["sam.txt"], "sam.txt")]
    assert _names(owner, batch.id, tag="remote") == []  # a whole tag, not part of one
    assert _names(owner, batch.id, starred=True) == [(rank["sam.txt"], "sam.txt")]
    assert _names(owner, batch.id, starred=True, status="rejected") == []
    assert _names(owner, batch.id, words="%") == []  # a wildcard is a plain character


def test_bad_filters_are_refused_in_words():
    with pytest.raises(InvalidInput, match="The fit is one of: strong, good, partial, weak."):
        ShortlistFilter(band="great")
    with pytest.raises(InvalidInput, match="The status is one of:"):
        ShortlistFilter(status="hired")
    with pytest.raises(InvalidInput, match="Minimum years is a number from 0 to 80."):
        ShortlistFilter(min_years=-1)
