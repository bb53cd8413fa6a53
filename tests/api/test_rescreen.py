"""POST /api/v1/batches with `from_batch`: an earlier screening's resumes for another
opening, nothing uploaded again (issue 23, part 3)."""

from __future__ import annotations

import uuid

from app.engine import batches
from app.engine.batches import NewItem
from app.models import Batch
from tests.analysis import factories
from tests.api.conftest import error_of, set_setting
from tests.engine.helpers import count_rows, items, wait_finished

NURSE = {"title": "Registered Nurse", "description": "Patient care and BLS.",
         "must_have": ["BLS"]}
DEVELOPER = {"title": "Backend Developer", "description": "Python, Django, PostgreSQL.",
             "must_have": ["Python"], "min_years": 3}


def test_a_screening_is_screened_again_for_another_opening(api):
    owner, other = api.user(), api.user()
    source = batches.submit(owner, kind="resume", params=NURSE, items=[
        NewItem("nurse.pdf", factories.make_pdf(factories.NURSE)),
        NewItem("dev.txt", factories.SOFTWARE_SENIOR.encode())])
    with api.stack.worker(threads=2):
        wait_finished(source.id, timeout=120)
        response = api.post("/batches", owner, json={
            "opening": DEVELOPER, "from_batch": str(source.id)})
        assert response.status_code == 201, response.text
        body = response.json()
        again = wait_finished(uuid.UUID(body["id"]), timeout=120)
    assert (body["title"], body["total"], body["rejected"]) == ("Backend Developer", 2, [])
    assert response.headers["location"].endswith(f"/batches/{body['id']}")
    ranked = sorted(items(again.id), key=lambda i: -i.score)
    assert [i.name for i in ranked] == ["dev.txt", "nurse.pdf"]
    assert {i.document_id for i in ranked} == {i.document_id for i in items(source.id)}

    # Another recruiter's screening is not found; the same key replays
    assert error_of(api.post("/batches", other, json={
        "opening": DEVELOPER, "from_batch": str(source.id)})) == (404, "not_found")
    key = {"Idempotency-Key": "rescreen-1"}
    first = api.post("/batches", owner, headers=key,
                     json={"opening": NURSE, "from_batch": str(source.id)})
    replay = api.post("/batches", owner, headers=key,
                      json={"opening": NURSE, "from_batch": str(source.id)})
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["id"] == first.json()["id"]


def test_from_batch_or_items_never_both_nor_neither(api):
    owner = api.user()
    source = batches.submit(owner, kind="resume", params=NURSE,
                            items=[NewItem("a.txt", b"Jane Doe, nurse")], dispatch=False)
    cases = [
        ({"opening": NURSE, "from_batch": str(source.id),
          "items": [{"name": "b.txt", "text": "x"}]}, (422, "invalid_input")),
        ({"opening": NURSE}, (422, "invalid_input")),
        ({"opening": NURSE, "from_batch": "not-a-uuid"}, (422, "validation_error")),
        ({"kind": "noop", "from_batch": str(source.id)}, (422, "invalid_input")),
        ({"from_batch": str(source.id)}, (422, "invalid_input")),  # no opening
    ]
    for body, expected in cases:
        assert error_of(api.post("/batches", owner, json=body)) == expected, body
    assert count_rows(Batch) == 1


def test_keep_longer_and_delete_now_through_the_api(api):
    owner, other = api.user(), api.user()
    batch = batches.submit(owner, kind="resume", params=NURSE,
                           items=[NewItem("a.txt", factories.NURSE.encode())])
    with api.stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
    path = f"/batches/{batch.id}"
    assert api.get(path, owner).json()["kept_until"] is not None
    kept = api.post(f"{path}/keep", owner, json={"days": 30})
    assert kept.status_code == 200
    assert kept.json()["kept_until"] > api.get(path, owner).json()["finished_at"]
    # Past the schema's bound, then past the deployment's RETENTION_MAX_DAYS (90)
    assert error_of(api.post(f"{path}/keep", owner, json={"days": 9999})) == (
        422, "validation_error")
    assert error_of(api.post(f"{path}/keep", owner, json={"days": 91})) == (
        422, "invalid_input")
    assert error_of(api.post(f"{path}/keep", other, json={"days": 30})) == (404, "not_found")
    assert error_of(api.delete(path, other)) == (404, "not_found")
    assert api.delete(path, owner).status_code == 204
    assert error_of(api.get(path, owner)) == (404, "not_found")
    assert count_rows(Batch) == 0


def test_resumes_are_added_as_json_or_files_within_the_limits(api):
    owner, other = api.user(plan="basic"), api.user()
    batch = batches.submit(owner, kind="resume", params=NURSE,
                           items=[NewItem("a.txt", factories.SALES.encode())])
    path = f"/batches/{batch.id}/items"
    with api.stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
        as_json = api.post(path, owner, json={"items": [
            {"name": "nurse.txt", "text": factories.NURSE}]})
        assert as_json.status_code == 201, as_json.text
        assert (as_json.json()["id"], as_json.json()["total"]) == (str(batch.id), 2)
        archive = factories.make_zip({"dev.pdf": factories.make_pdf(factories.SOFTWARE_SENIOR),
                                      "nested.zip": factories.make_zip({"a.txt": b"x"})})
        as_files = api.post(path, owner, files=[("files", ("more.zip", archive))])
        assert as_files.status_code == 201, as_files.text
        assert as_files.json()["total"] == 3, as_files.json()
        assert [r["name"] for r in as_files.json()["rejected"]] == ["nested.zip"]
        done = wait_finished(batch.id, timeout=120)
    assert (done.status, done.n_done) == ("done", 3)
    assert sorted(i.name for i in items(batch.id)) == ["a.txt", "dev.pdf", "nurse.txt"]

    assert error_of(api.post(path, other, json={"items": [{"name": "x.txt", "text": "x"}]})) \
        == (404, "not_found")
    assert error_of(api.post(path, owner, json={"items": []})) == (422, "validation_error")
    assert error_of(api.post(path, owner, json={"items": [{"name": "x.txt", "text": "x"}],
                                                "opening": NURSE})) == (422, "validation_error")
    assert error_of(api.post(path, owner, content=b"x", headers={
        "Content-Type": "text/plain"})) == (415, "unsupported_media_type")
    assert error_of(api.post(path, owner, files=[("title", (None, "x"))])) == (
        422, "invalid_input")
    assert count_rows(Batch) == 1 and len(items(batch.id)) == 3


def test_adding_resumes_counts_as_a_submission_for_the_rate_limit(api, monkeypatch,
                                                                  one_rate_window):
    set_setting(monkeypatch, "api_submit_rate_per_minute", 2)
    owner = api.user()
    created = api.post("/batches", owner, json={
        "opening": NURSE, "items": [{"name": "a.txt", "text": "Jane Doe, nurse"}]})
    assert created.status_code == 201
    path = f"/batches/{created.json()['id']}/items"
    added = api.post(path, owner, json={"items": [{"name": "b.txt", "text": "Bob, nurse"}]})
    assert added.status_code == 201 and added.headers["ratelimit-remaining"] == "0"
    refused = api.post(path, owner, json={"items": [{"name": "c.txt", "text": "Cy, nurse"}]})
    assert error_of(refused) == (429, "rate_limited")
    assert len(items(uuid.UUID(created.json()["id"]))) == 2
