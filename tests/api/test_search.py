"""app.admin.batch_search through GET /api/v1/batches: each filter, visibility, cursor pagination."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from app.admin import batch_search
from app.admin.batch_search import BatchFilter
from app.db import get_engine
from app.engine import batches
from app.errors import InvalidInput
from app.models import Batch
from tests.api.conftest import error_of

batch_t = Batch.__table__
T0 = datetime(2020, 1, 10, 12, 0, tzinfo=timezone.utc)


def make(user, title: str, names: list[str], *, lane: str | None = None,
         status: str | None = None, created_at: datetime | None = None,
         kind: str = "noop") -> str:
    params = {"title": title} if kind == "resume" else {}
    batch = batches.submit(user, kind=kind, title=title, params=params, lane=lane, operator=True,
                           items=[batches.NewItem(n, b"text" if kind == "resume" else None)
                                  for n in names], dispatch=False)
    values = {}
    if status:
        values["status"] = status
    if created_at:
        values["created_at"] = created_at
    if values:
        with get_engine().begin() as conn:
            conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(**values))
    return str(batch.id)


def titles(api, user, query: str = "") -> list[str]:
    response = api.get(f"/batches{query}", user)
    assert response.status_code == 200, response.text
    return [b["title"] for b in response.json()["data"]]


@pytest.fixture
def world(api):
    alice = api.user(plan="enterprise")
    bob = api.user(plan="free")
    admin, viewer = api.user(role="admin"), api.user(role="readonly_admin")
    make(alice, "Nurse night shift", ["Maria_Lopez_CV.pdf", "tom.txt"], lane="high",
         status="running", created_at=T0)
    make(alice, "Welder", ["weld-ann.docx"], lane="normal", status="done",
         created_at=T0 + timedelta(days=1))
    make(alice, "Python dev", ["guido.txt"], status="failed", created_at=T0 + timedelta(days=2),
         kind="resume")
    make(bob, "Cashier 100%", ["maria_cashier.txt"], created_at=T0 + timedelta(days=3))
    return alice, bob, admin, viewer


def test_a_recruiter_sees_only_their_own_and_admins_see_all(api, world):
    alice, bob, admin, viewer = world
    assert titles(api, alice) == ["Python dev", "Welder", "Nurse night shift"]
    assert titles(api, bob) == ["Cashier 100%"]
    everyone = ["Cashier 100%", "Python dev", "Welder", "Nurse night shift"]
    assert titles(api, admin) == everyone and titles(api, viewer) == everyone
    row = api.get("/batches?limit=1", admin).json()["data"][0]
    assert row["owner_email"] == bob.email and row["owner_id"] == bob.id


def test_each_filter(api, world):
    alice, bob, admin, _ = world
    assert titles(api, admin, "?status=running&status=done") == ["Welder", "Nurse night shift"]
    assert titles(api, admin, "?status=queued") == ["Cashier 100%"]
    assert titles(api, admin, "?lane=high") == ["Nurse night shift"]
    assert titles(api, admin, "?lane=low") == ["Cashier 100%"]  # bob's free plan
    assert titles(api, admin, "?kind=resume") == ["Python dev"]
    assert titles(api, admin, f"?owner={bob.id}") == ["Cashier 100%"]
    assert titles(api, admin, f"?owner={alice.email.split('@')[0].upper()}") == [
        "Python dev", "Welder", "Nurse night shift"]
    assert titles(api, admin, "?owner=nobody-like-this") == []
    assert titles(api, alice, f"?owner={bob.id}") == []  # a recruiter never sees others'
    assert titles(api, admin, "?created_from=2020-01-11T12:00:00Z&created_to=2020-01-13T12:00:00Z") \
        == ["Python dev", "Welder"]
    assert titles(api, admin, "?created_from=2020-01-13T12:00:00") == ["Cashier 100%"]  # UTC
    assert titles(api, admin, "?created_to=2020-01-10T13:00:00%2B01:00") == []  # = 12:00 UTC
    assert titles(api, admin, "?status=done&lane=high") == []


def test_text_search_matches_titles_and_file_names(api, world):
    alice, bob, admin, _ = world
    assert titles(api, admin, "?q=nurse") == ["Nurse night shift"]
    assert titles(api, admin, "?q=MARIA") == ["Cashier 100%", "Nurse night shift"]
    assert titles(api, alice, "?q=maria") == ["Nurse night shift"]
    assert titles(api, admin, "?q=weld-ann.docx") == ["Welder"]
    assert titles(api, admin, "?q=100%25") == ["Cashier 100%"]  # % is literal
    assert titles(api, admin, "?q=r_a") == []  # so is _ (as a wildcard it would match "ria")
    assert titles(api, admin, "?q=IA_LO") == ["Nurse night shift"]
    assert titles(api, admin, "?q=guido&kind=noop") == []


def test_text_search_over_many_batches_scans_file_names(api, world, monkeypatch):
    alice, _, admin, _ = world
    # More candidate batches than the per-batch lookup takes: the trigram index instead
    monkeypatch.setattr(batch_search, "MAX_NAME_SEARCH_BATCHES", 1)
    assert titles(api, admin, "?q=MARIA") == ["Cashier 100%", "Nurse night shift"]
    assert titles(api, alice, "?q=maria") == ["Nurse night shift"]
    assert titles(api, admin, "?q=weld-ann") == ["Welder"]
    # A search matches within one file name, never the end of one and the start of the
    # next ("...CV.pdf" + "tom.txt").
    assert titles(api, admin, "?q=CV.pdf") == ["Nurse night shift"]
    assert titles(api, admin, "?q=pdftom") == []
    assert titles(api, admin, "?q=pdf tom") == []


def test_invalid_filters_and_cursors(api, world):
    alice = world[0]
    assert error_of(api.get("/batches?lane=fast", alice)) == (422, "validation_error")
    assert error_of(api.get("/batches?kind=pdf", alice)) == (422, "validation_error")
    assert error_of(api.get("/batches?cursor=%%%", alice)) == (400, "invalid_cursor")
    assert error_of(api.get("/batches?cursor=e30", alice)) == (400, "invalid_cursor")  # {}
    cursor = api.get("/batches?limit=1", alice).json()["next_cursor"]
    assert error_of(api.get(f"/batches?sort=oldest&cursor={cursor}", alice)) == (
        400, "invalid_cursor")
    assert error_of(api.get("/batches?created_from=0001-01-01T00:00:00%2B01:00", alice)) == (
        422, "invalid_input")
    assert api.get("/batches?owner=%00", alice).status_code == 200
    assert api.get(f"/batches?owner={'9' * 30}", alice).json()["data"] == []
    assert api.get("/batches?q=%00nurse", alice).status_code == 200
    with pytest.raises(InvalidInput):
        batch_search.search(alice, BatchFilter(statuses=["lost"]))


def pages(api, user, query: str, limit: int, between=None) -> list[list[str]]:
    result, cursor = [], None
    while True:
        sep = "&" if query else "?"
        path = f"/batches{query}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(path, user).json()
        result.append([b["id"] for b in page["data"]])
        cursor = page["next_cursor"]
        if between:
            between()
        if cursor is None:
            return result


def test_cursor_pages_have_no_duplicates_or_gaps_while_batches_arrive(api):
    alice = api.user()
    # Seven batches, three of them created at the very same moment (ties break on the id)
    ids = [make(alice, f"b{i}", ["x.txt"], created_at=T0 + timedelta(minutes=min(i, 4)))
           for i in range(7)]
    expected = [b["id"] for b in api.get("/batches?limit=200", alice).json()["data"]]
    assert sorted(expected) == sorted(ids)
    arrived = []

    def a_new_batch_arrives():
        arrived.append(make(alice, "new", ["y.txt"]))

    seen = pages(api, alice, "", 3, between=a_new_batch_arrives)
    flat = [i for page in seen for i in page]
    assert [len(p) for p in seen] == [3, 3, 1]
    assert flat == expected and len(set(flat)) == 7  # no duplicates, no gaps, same order
    assert not set(arrived) & set(flat)  # newer batches appear before the first page
    oldest = [i for page in pages(api, alice, "?sort=oldest&q=b", 2) for i in page]
    assert oldest == list(reversed(expected))
    # The newest-first list now starts with the batches that arrived meanwhile
    assert [b["id"] for b in api.get("/batches?limit=3", alice).json()["data"]] == \
        list(reversed(arrived))


def test_search_is_the_dashboards_function_too(api, world):
    alice, bob, admin, _ = world
    page = batch_search.search(admin, BatchFilter(text="maria", lanes=["low"]), limit=10)
    assert [(r.batch.title, r.owner_email) for r in page.rows] == [("Cashier 100%", bob.email)]
    assert page.next_cursor is None
    first = batch_search.search(admin, limit=2)
    second = batch_search.search(admin, limit=2, cursor=first.next_cursor)
    assert [r.batch.title for r in first.rows + second.rows] == [
        "Cashier 100%", "Python dev", "Welder", "Nurse night shift"]
    assert second.next_cursor is None
    assert uuid.UUID(str(first.rows[0].batch.id))


def test_an_owner_filter_of_non_ascii_digits_is_an_email_search_not_a_crash(stack):
    """Found by schemathesis: "²".isdigit() is true but int("²") raises."""
    from app.admin.batch_search import BatchFilter, search
    from tests.engine.helpers import make_user

    admin = make_user(role="admin")
    page = search(admin, BatchFilter(owner="²"))
    assert page.rows == []
