"""The pages on their own: live lists, server-side sorting, not-found and error pages."""

from __future__ import annotations

import time

import pytest
from nicegui import ui
from sqlalchemy import update

from app.db import get_engine
from app.engine import batches, events
from app.engine.batches import NewItem
from app.models import Batch
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import resume_txt, sign_in, wait_reported

pytestmark = pytest.mark.anyio
LIVE = 150

OPENING = {"title": "Data Analyst", "must_have": ["SQL", "Excel"]}
PEOPLE = {"zoe.txt": ("Zoe Zimmer", "SQL, Excel, Tableau", "2012 - Present"),
          "adam.txt": ("Adam Ash", "SQL", "2019 - Present"),
          "mia.txt": ("Mia Moss", "Excel", None),
          "liam.txt": ("Liam Lord", "SQL, Excel", "2021 - Present")}


def people_items() -> list[NewItem]:
    items = []
    for file, (name, skills, years) in PEOPLE.items():
        data = resume_txt(name, skills, years) if years else f"{name}\n\nSkills\n{skills}\n".encode()
        items.append(NewItem(file, data))
    return items


async def test_my_screenings_lists_newest_first_and_moves_live(user, web):
    account = make_account()
    older = batches.submit(account, kind="resume", title="Older opening",
                           params={"title": "Older"}, items=people_items()[:1])
    newer = batches.submit(account, kind="resume", title="Newer opening",
                           params=OPENING, items=people_items())
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("Newer opening")
    titles = [e.text for e in user.find(kind=ui.link).elements if "opening" in e.text]
    cards = sorted(user.find(kind=ui.card).elements, key=lambda e: e.id)
    order = [c for c in cards if any(m.startswith("screening-") for m in c._markers)]
    assert [m for c in order for m in c._markers] == [f"screening-{newer.id}",
                                                       f"screening-{older.id}"]
    assert sorted(titles) == ["Newer opening", "Older opening"]
    with user.scope(marker=f"screening-{newer.id}"):
        await user.should_see("0 of 4 resumes screened")
        await user.should_see("Waiting to start")
    # The workers run: the list follows without a reload
    with web.worker():
        with user.scope(marker=f"screening-{newer.id}"):
            await user.should_see("4 of 4 resumes screened", retries=LIVE)
            await user.should_see("Finished", retries=LIVE)
        with user.scope(marker=f"screening-{older.id}"):
            await user.should_see("1 of 1 resume screened", retries=LIVE)
        wait_reported(newer.id)
        wait_reported(older.id)
    # A screening started elsewhere (another tab) appears on its own
    batches.submit(account, kind="resume", title="From another tab", params={"title": "X"},
                   items=people_items()[:1])
    await user.should_see("From another tab", retries=LIVE)


async def test_the_shortlist_sorts_and_pages_on_the_server(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Analyst", params=OPENING,
                           items=people_items())
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (4)", retries=30)
    table = next(iter(user.find(marker="shortlist").elements))
    # Best first: Zoe and Liam have both must-haves and score the same (Zoe has more
    # years); Adam and Mia have one each (Adam's years are known)
    assert [r["name"] for r in table.rows] == ["Zoe Zimmer", "Liam Lord", "Adam Ash",
                                               "Mia Moss"]
    assert [r["rank"] for r in table.rows] == [1, 2, 3, 4]
    assert table.pagination["rowsNumber"] == 4
    # What the browser sends when a column header is clicked, then the next page
    shortlist = user.find(marker="shortlist")
    shortlist.trigger("request", {"sortBy": "name", "descending": False, "page": 1,
                                  "rowsPerPage": 2, "rowsNumber": 4})
    assert [r["name"] for r in table.rows] == ["Adam Ash", "Liam Lord"]
    assert table.pagination == {"sortBy": "name", "descending": False, "page": 1,
                                "rowsPerPage": 2, "rowsNumber": 4}
    shortlist.trigger("request", {"sortBy": "name", "descending": False, "page": 2,
                                  "rowsPerPage": 2, "rowsNumber": 4})
    assert [r["name"] for r in table.rows] == ["Mia Moss", "Zoe Zimmer"]
    shortlist.trigger("request", {"sortBy": "years", "descending": True, "page": 1,
                                  "rowsPerPage": 10})
    assert [r["name"] for r in table.rows] == ["Zoe Zimmer", "Adam Ash", "Liam Lord", "Mia Moss"]
    assert [r["years"] for r in table.rows][-1] == ""
    # Ranks stay the ranks, whatever the order on screen
    ranks = {r["name"]: r["rank"] for r in table.rows}
    assert ranks == {"Zoe Zimmer": 1, "Liam Lord": 2, "Adam Ash": 3, "Mia Moss": 4}
    # A page past the end shows the last one
    shortlist.trigger("request", {"sortBy": "rank", "descending": False, "page": 9,
                                  "rowsPerPage": 3})
    assert table.pagination["page"] == 2 and [r["name"] for r in table.rows] == ["Mia Moss"]
    # The phone's sort menu asks the server the same way
    # (by its label: the page has other selects, and `elements` is a set)
    sort_menu = next(e for e in user.find(kind=ui.select).elements if e.props["label"] == "Sort")
    sort_menu.value = "name"
    assert table.pagination["sortBy"] == "name" and table.pagination["page"] == 1


async def test_unknown_pages_read_plainly(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    response = await user.http_client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page." in response.text
    assert "HTTPException" not in response.text and "Traceback" not in response.text


async def test_an_unexpected_error_shows_a_sentence_not_a_traceback(user, web, monkeypatch,
                                                                     caplog):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("app.recruiting.screenings.my_screenings", broken)
    response = await user.http_client.get("/")
    assert response.status_code == 500
    assert "Sorry, this page could not be shown." in response.text
    assert "secret internal detail" not in response.text
    assert "RuntimeError" not in response.text
    caplog.clear()  # the error is logged on purpose here


async def test_progress_reaches_an_open_page_within_a_second(user, web):
    # Given a page opened on a screening that waits for workers
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Analyst", params=OPENING,
                           items=people_items())
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("0 of 4 resumes screened")
    await user.should_see("Cancel screening")
    # When a worker records progress and publishes it (the real listener, over Redis
    # pub/sub): the page reads the list and its counter again at once
    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id).values(
            status="running", n_pending=0, n_queued=1, n_running=1, n_done=1, n_failed=1))
    started = time.monotonic()
    events.publish({"batch_id": str(batch.id), "owner_id": account.id, "status": "running",
                    "lane": batch.lane, "total": 4,
                    "counts": {"pending": 0, "queued": 1, "running": 1, "done": 1,
                               "failed": 1, "cancelled": 0}})
    # Then the page shows it within a second
    await user.should_see("2 of 4 resumes screened, 1 could not be read", retries=10)
    assert time.monotonic() - started < 1.0
    await user.should_see("Screening")
