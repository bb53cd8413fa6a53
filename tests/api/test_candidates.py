"""GET /api/v1/candidates and /candidates/{id} (issue 23, part 2): the caller's pool,
searched and paged; another recruiter's candidate is a 404."""

from __future__ import annotations

import uuid

from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.api.conftest import error_of
from tests.conftest import wait_until
from tests.engine.helpers import items, load, wait_finished

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU."}


def test_search_page_and_read_the_pool(api):
    owner, other = api.user(), api.user()
    batch = batches.submit(owner, kind="resume", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR)),
        NewItem("sales.txt", factories.SALES.encode())])
    with api.stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
        wait_until(lambda: load(batch.id).summary is not None, message="finalized")

    found = api.get("/candidates?q=python", owner).json()
    assert [c["name"] for c in found["data"]] == ["Jane Doe"] and found["next_cursor"] is None
    first = api.get("/candidates?limit=2", owner).json()
    rest = api.get(f"/candidates?limit=2&cursor={first['next_cursor']}", owner).json()
    assert len(first["data"]) == 2 and len(rest["data"]) == 1
    assert sorted(c["name"] for c in first["data"] + rest["data"]) == [
        "Jane Doe", "Maria Garcia", "Olivia Brown"]

    assert len(api.get("/candidates?min_years=0", owner).json()["data"]) == 3
    assert api.get("/candidates?min_years=59", owner).json()["data"] == []
    assert error_of(api.get("/candidates?min_years=61", owner)) == (422, "validation_error")
    jane = found["data"][0]["id"]
    detail = api.get(f"/candidates/{jane}", owner).json()
    [file] = detail["files"]
    assert (file["name"], file["batch_id"], file["batch_title"]) == (
        "dev.pdf", str(batch.id), "Registered Nurse")
    original = api.client.get(file["document"], headers=api.auth(owner))
    assert (original.status_code, original.headers["content-type"]) == (200, "application/pdf")

    assert api.get("/candidates", other).json() == {"data": [], "next_cursor": None}
    assert error_of(api.get(f"/candidates/{jane}", other)) == (404, "not_found")
    assert error_of(api.get("/candidates/0", owner)) == (422, "validation_error")
    assert error_of(api.get("/candidates?cursor=bad", owner)) == (400, "invalid_cursor")
    assert api.get("/candidates").status_code == 401


def test_chosen_candidates_are_screened_for_another_opening(api):
    owner, other = api.user(), api.user()
    batch = batches.submit(owner, kind="resume", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode()),
        NewItem("sales.txt", factories.SALES.encode())])
    with api.stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
        wait_until(lambda: load(batch.id).summary is not None, message="finalized")
        pool = {c["name"]: c["id"] for c in api.get("/candidates", owner).json()["data"]}
        chosen = [pool["Jane Doe"], pool["Olivia Brown"]]
        response = api.post("/batches", owner, json={
            "opening": {"title": "Backend Developer", "must_have": ["Python"]},
            "candidates": chosen})
        assert response.status_code == 201, response.text
        again = wait_finished(uuid.UUID(response.json()["id"]), timeout=120)
    assert (again.title, again.total, again.n_done) == ("Backend Developer", 2, 2)
    assert [i.name for i in items(again.id)] == ["dev.txt", "sales.txt"]

    # Someone else's candidates, ids that are no one's, or none at all
    for body, expected in [
        ({"candidates": chosen}, (404, "not_found")),
        ({"candidates": [9_999_999]}, (404, "not_found")),
        ({"candidates": [2**63]}, (422, "validation_error")),
        ({"candidates": []}, (422, "validation_error")),
        ({"candidates": chosen, "from_batch": str(batch.id)}, (422, "invalid_input")),
    ]:
        who = other if body.get("candidates") == chosen and len(body) == 1 else owner
        assert error_of(api.post("/batches", who, json={
            "opening": {"title": "X"}, **body})) == expected, body


def test_a_candidate_is_deleted_with_every_file_of_theirs(api):
    owner, other = api.user(), api.user()
    batch = batches.submit(owner, kind="resume", params=OPENING, items=[
        NewItem("nurse.txt", factories.NURSE.encode()),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode())])
    with api.stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
        wait_until(lambda: load(batch.id).summary is not None, message="finalized")
    pool = {c["name"]: c["id"] for c in api.get("/candidates", owner).json()["data"]}
    assert error_of(api.delete(f"/candidates/{pool['Maria Garcia']}", other)) == (
        404, "not_found")
    response = api.delete(f"/candidates/{pool['Maria Garcia']}", owner)
    assert (response.status_code, response.json()) == (200, {"files": 1, "screenings": 1})
    assert [i.name for i in items(batch.id)] == ["dev.txt"]
    assert error_of(api.get(f"/candidates/{pool['Maria Garcia']}", owner)) == (
        404, "not_found")
