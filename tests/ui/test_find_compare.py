"""Find and compare inside a shortlist on the screening page (issue 24, part 2)."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.recruiting import decisions
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, texts, wait_reported

pytestmark = pytest.mark.anyio
OPENING = {"title": "Software Engineer", "description": "Python, Django, AWS, Docker.",
           "must_have": ["Python"]}
FILES = {"jane.txt": factories.SOFTWARE_SENIOR, "sam.txt": factories.SOFTWARE_JUNIOR,
         "maria.txt": factories.NURSE, "robert.txt": factories.ACCOUNTANT}


async def _page(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Dev", params=OPENING,
                           items=[NewItem(n, t.encode()) for n, t in FILES.items()])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (4)", retries=30)
    return account, batch, next(iter(user.find(marker="shortlist").elements))


async def _rows(user, table, expected: int) -> list[str]:
    for _ in range(50):
        if len(table.rows) == expected:
            break
        await user.should_see(marker="shortlist")
    return [r["file"] or r["name"] for r in table.rows]


async def test_filters_narrow_the_list_and_clear_brings_everyone_back(user, web):
    account, batch, table = await _page(user, web)
    user.find(marker="find-skill").type("python")
    assert sorted(await _rows(user, table, 2)) == ["jane.txt", "sam.txt"]
    assert [r["rank"] for r in table.rows] == [1, 2]  # ranks in the whole screening
    decisions.decide(account, table.rows[1]["id"], status="interview")
    next(iter(user.find(marker="find-status").elements)).value = "interview"
    assert await _rows(user, table, 1) == ["sam.txt"]
    next(iter(user.find(marker="find-status").elements)).value = "rejected"
    await user.should_see("Nobody here matches what you are looking for.", retries=30)
    user.find(marker="find-clear").click()
    assert len(await _rows(user, table, 4)) == 4


async def test_two_chosen_candidates_are_compared_side_by_side(user, web):
    account, batch, table = await _page(user, web)
    button = next(iter(user.find(marker="compare-button").elements))
    assert not button.enabled
    await user.should_see("Choose 2 to 4 candidates to compare them.")
    table.selected = [table.rows[0], table.rows[2]]
    table.update()
    user.find(marker="shortlist").trigger("selection", {"rows": [], "keys": [], "added": True})
    for _ in range(20):
        if button.enabled:
            break
        await user.should_see(marker="compare-button")
    assert button.enabled
    user.find(marker="compare-button").click()
    await user.should_see("Compare candidates", retries=10)
    shown = texts(user, "compare")
    first, third = table.rows[0], table.rows[2]
    assert first["name"] in shown and third["name"] in shown
    assert "Must-haves found" in shown and "Notes (0)" in shown
