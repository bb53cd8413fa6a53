"""Batch endpoints: submit, read, items, reports, cancel, retry, move; permissions as in the UI."""

from __future__ import annotations

import io
import uuid
import zipfile

from app.engine import batches
from tests.api.conftest import OPENING, RESUME, error_of
from tests.conftest import wait_until
from tests.engine.helpers import assert_counters_match_items, wait_finished

NO_BATCH = "/batches/00000000-0000-0000-0000-000000000000"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- Submitting ------------------------------------------------------------------------


def test_submit_json_creates_a_resume_batch(api):
    alice = api.user(plan="enterprise")
    body = {"opening": OPENING, "items": [{"name": "jane.txt", "text": RESUME},
                                          {"name": "john.txt", "text": RESUME.replace("Jane", "John")}]}
    response = api.post("/batches", alice, json=body)
    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["kind"] == "resume" and batch["lane"] == "critical"
    assert batch["status"] == "queued" and batch["total"] == 2 and batch["owner_id"] == alice.id
    assert batch["title"] == "Python Developer" and batch["params"]["must_have"] == ["Python"]
    assert batch["counts"] == {"pending": 0, "queued": 2, "running": 0, "done": 0, "failed": 0,
                               "cancelled": 0}
    assert batch["rejected"] == [] and batch["replayed"] is False and batch["finished"] is False
    assert response.headers["location"] == f"/api/v1/batches/{batch['id']}"
    assert batch["links"] == {"self": f"/api/v1/batches/{batch['id']}",
                              "items": f"/api/v1/batches/{batch['id']}/items",
                              "events": f"/api/v1/batches/{batch['id']}/events",
                              "report_csv": None, "report_xlsx": None}
    names = [i["name"] for i in api.get(f"/batches/{batch['id']}/items", alice).json()["data"]]
    assert names == ["jane.txt", "john.txt"]


def test_submit_multipart_with_a_zip_lists_rejected_files(api):
    alice = api.user()
    archive = _zip({"cv1.txt": RESUME.encode(), "cv2.txt": RESUME.encode()})
    files = [("files", ("resumes.zip", archive, "application/zip")),
             ("files", ("empty.txt", b"", "text/plain")),
             ("files", ("cv3.txt", RESUME.encode(), "text/plain"))]
    data = {"title": "Python Developer", "description": "Python and SQL",
            "must_have": "Python, SQL", "min_years": "2", "lane": "normal"}
    response = api.post("/batches", alice, data=data, files=files)
    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["total"] == 3 and batch["lane"] == "normal"
    assert batch["params"]["must_have"] == ["Python", "SQL"] and batch["params"]["min_years"] == 2
    assert [r["name"] for r in batch["rejected"]] == ["empty.txt"]
    assert batch["rejected"][0]["reason"]
    items = api.get(f"/batches/{batch['id']}/items", alice).json()["data"]
    assert sorted(i["name"] for i in items) == ["cv1.txt", "cv2.txt", "cv3.txt"]


def test_submit_multipart_where_no_file_is_usable_names_them(api):
    alice = api.user()
    response = api.post("/batches", alice, data={"title": "Nurse"},
                        files=[("files", ("empty.txt", b"", "text/plain"))])
    assert error_of(response) == (422, "invalid_input")
    assert response.json()["error"]["details"] == [
        {"name": "empty.txt", "reason": response.json()["error"]["details"][0]["reason"]}]


def test_submit_noop_kind_with_params(api):
    alice = api.user(role="admin")  # noop is an operator's kind: admins only
    batch = api.submit_noop(alice, 4, params={"sleep_ms": 5, "fail_rate": 0.25}, lane="low")
    assert batch["kind"] == "noop" and batch["lane"] == "low" and batch["total"] == 4
    assert batch["params"] == {"sleep_ms": 5, "fail_rate": 0.25, "transient_rate": 0.0}
    multipart = api.post("/batches", alice, data={"kind": "noop", "params": '{"sleep_ms": 1}'},
                         files=[("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))])
    assert multipart.status_code == 201, multipart.text
    assert multipart.json()["params"]["sleep_ms"] == 1 and multipart.json()["total"] == 2


def test_submit_refuses_invalid_input_with_its_code(api, monkeypatch):
    alice, bob = api.user(plan="enterprise"), api.user(plan="free")
    text_item = [{"name": "a.txt", "text": RESUME}]
    cases = [
        ({"items": text_item}, 422, "invalid_input"),  # resume without an opening
        ({"kind": "noop", "opening": OPENING, "items": text_item}, 422, "invalid_input"),
        ({"opening": OPENING, "items": text_item, "colour": "red"}, 422, "validation_error"),
        ({"opening": OPENING, "items": []}, 422, "validation_error"),
        ({"kind": "pdf", "opening": OPENING, "items": text_item}, 422, "validation_error"),
        ({"opening": {**OPENING, "min_years": 99}, "items": text_item}, 422, "validation_error"),
        ({"opening": {**OPENING, "title": "   "}, "items": text_item}, 422, "invalid_input"),
        ({"opening": OPENING, "items": [{"name": "a.txt", "text": ""}]}, 422, "invalid_input"),
        ({"kind": "noop", "params": {"fail_rate": 2}, "items": text_item}, 422, "validation_error"),
        ([1, 2, 3], 422, "validation_error"),
    ]
    for body, status, code in cases:
        assert error_of(api.post("/batches", alice, json=body)) == (status, code), body
    # A faster lane than the plan's, and the plan's quota
    response = api.post("/batches", bob, json={"kind": "noop", "lane": "critical", "items": text_item})
    assert error_of(response) == (403, "permission_denied")
    many = [{"name": f"{i}.txt", "text": RESUME} for i in range(51)]
    assert error_of(api.post("/batches", bob, json={"opening": OPENING, "items": many})) == (
        413, "quota_exceeded")
    monkeypatch.setattr(api.stack.settings, "max_file_bytes", 100)
    big = {"opening": OPENING, "items": [{"name": "big.txt", "text": "x" * 101}]}
    assert error_of(api.post("/batches", alice, json=big)) == (413, "too_large")
    # Multipart: unknown fields, text instead of files, bad kind
    assert error_of(api.post("/batches", alice, data={"title": "x", "colour": "red"},
                             files=[("files", ("a.txt", b"a"))])) == (422, "invalid_input")
    assert error_of(api.post("/batches", alice, data={"title": "x", "files": "not a file"},
                             files=[("other", ("a.txt", b"a"))])) == (422, "invalid_input")
    assert error_of(api.post("/batches", alice, data={"kind": "pdf"},
                             files=[("files", ("a.txt", b"a"))])) == (422, "invalid_input")
    assert error_of(api.post("/batches", alice, data={"kind": "noop", "params": "[1]"},
                             files=[("files", ("a.txt", b"a"))])) == (422, "invalid_input")
    assert error_of(api.post("/batches", alice, data={"title": "x", "min_years": "many"},
                             files=[("files", ("a.txt", RESUME.encode()))])) == (422, "invalid_input")
    # Nothing was created by any of these
    assert api.get("/batches", alice).json()["data"] == []


def test_a_read_only_admin_cannot_submit(api):
    viewer = api.user(role="readonly_admin")
    response = api.post("/batches", viewer, json={"kind": "noop", "items": [{"name": "a"}]})
    assert error_of(response) == (403, "permission_denied")


# --- Reading ---------------------------------------------------------------------------


def test_get_a_batch_own_others_and_admins(api):
    alice, bob = api.user(), api.user()
    admin, viewer = api.user(role="admin"), api.user(role="readonly_admin")
    batch = api.submit_noop(alice, 2)
    response = api.get(f"/batches/{batch['id']}", alice)
    assert response.status_code == 200
    got = response.json()
    assert got["id"] == batch["id"] and got["total"] == 2 and "rejected" not in got
    assert error_of(api.get(f"/batches/{batch['id']}", bob)) == (404, "not_found")
    assert api.get(f"/batches/{batch['id']}", admin).json()["id"] == batch["id"]
    assert api.get(f"/batches/{batch['id']}", viewer).json()["id"] == batch["id"]
    assert error_of(api.get(NO_BATCH, alice)) == (404, "not_found")
    assert error_of(api.get("/batches/not-a-uuid", alice)) == (422, "validation_error")


def test_items_are_paged_in_upload_order_and_filtered_by_status(api):
    alice, bob = api.user(), api.user()
    batch = api.submit_noop(alice, 5)
    names, cursor, pages = [], None, 0
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = api.get(f"/batches/{batch['id']}/items{query}", alice).json()
        names += [i["name"] for i in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == [f"item {i}.txt" for i in range(5)] and pages == 3
    first = api.get(f"/batches/{batch['id']}/items?limit=1", alice).json()["data"][0]
    assert first["status"] == "queued" and first["attempts"] == 0 and first["result"] is None
    assert api.get(f"/batches/{batch['id']}/items?status=done", alice).json() == {
        "data": [], "next_cursor": None}
    both = api.get(f"/batches/{batch['id']}/items?status=done&status=queued", alice).json()
    assert len(both["data"]) == 5
    assert error_of(api.get(f"/batches/{batch['id']}/items", bob)) == (404, "not_found")
    assert error_of(api.get(f"/batches/{batch['id']}/items?cursor=garbage!", alice)) == (
        400, "invalid_cursor")
    other = api.submit_noop(alice, 3)
    cursor = api.get(f"/batches/{other['id']}/items?limit=1", alice).json()["next_cursor"]
    assert error_of(api.get(f"/batches/{batch['id']}/items?cursor={cursor}", alice)) == (
        400, "invalid_cursor")
    assert error_of(api.get(f"/batches/{batch['id']}/items?status=lost", alice)) == (
        422, "validation_error")


# --- Reports ---------------------------------------------------------------------------


def test_reports_are_409_until_ready_then_downloadable(api):
    alice, bob, viewer = api.user(), api.user(), api.user(role="readonly_admin")
    body = {"opening": OPENING, "items": [{"name": "jane.txt", "text": RESUME}]}
    batch = api.post("/batches", alice, json=body).json()
    for fmt in ("csv", "xlsx"):
        response = api.get(f"/batches/{batch['id']}/report.{fmt}", alice)
        assert error_of(response) == (409, "report_not_ready")
        assert "0 of 1 items finished" in response.json()["error"]["message"]
        assert error_of(api.get(f"/batches/{batch['id']}/report.{fmt}", bob)) == (404, "not_found")
    with api.stack.worker(threads=2):
        wait_finished(uuid.UUID(batch["id"]))
        wait_until(lambda: api.get(f"/batches/{batch['id']}", alice).json()["links"]["report_csv"],
                   timeout=30, message="the reports")
    csv = api.get(f"/batches/{batch['id']}/report.csv", alice)
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "jane.txt" in csv.text
    assert csv.headers["content-disposition"].startswith('attachment; filename="shortlist-')
    xlsx = api.get(f"/batches/{batch['id']}/report.xlsx", viewer)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    done = api.get(f"/batches/{batch['id']}", alice).json()
    assert done["status"] == "done" and done["finished"] is True and done["summary"]["total"] == 1
    assert done["links"]["report_xlsx"] == f"/api/v1/batches/{batch['id']}/report.xlsx"
    item = api.get(f"/batches/{batch['id']}/items", alice).json()["data"][0]
    assert item["status"] == "done" and item["result"]["match"]["score"] == item["score"]


def test_a_noop_batch_has_no_report(api):
    alice = api.user()
    batch = api.submit_noop(alice, 1)
    assert error_of(api.get(f"/batches/{batch['id']}/report.csv", alice)) == (404, "not_found")


# --- Cancel, retry, move ---------------------------------------------------------------


def test_cancel_own_others_read_only_and_twice(api):
    alice, bob = api.user(), api.user()
    admin, viewer = api.user(role="admin"), api.user(role="readonly_admin")
    batch = api.submit_noop(alice, 3)
    assert error_of(api.post(f"/batches/{batch['id']}/cancel", bob)) == (404, "not_found")
    assert error_of(api.post(f"/batches/{batch['id']}/cancel", viewer)) == (403, "permission_denied")
    response = api.post(f"/batches/{batch['id']}/cancel", alice)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["counts"]["cancelled"] == 3
    assert error_of(api.post(f"/batches/{batch['id']}/cancel", alice)) == (409, "conflict")
    other = api.submit_noop(alice, 2)
    assert api.post(f"/batches/{other['id']}/cancel", admin).json()["status"] == "cancelled"
    assert error_of(api.post(f"{NO_BATCH}/cancel", alice)) == (404, "not_found")
    assert_counters_match_items(batch["id"])


def test_retry_failed_and_cancelled_items(api):
    alice, bob, viewer = api.user(), api.user(), api.user(role="readonly_admin")
    batch = api.submit_noop(alice, 4, params={"fail_rate": 0.5})
    with api.stack.worker(threads=2):
        wait_finished(uuid.UUID(batch["id"]))
    failed = api.get(f"/batches/{batch['id']}", alice).json()["counts"]["failed"]
    assert failed > 0
    assert error_of(api.post(f"/batches/{batch['id']}/retry", bob)) == (404, "not_found")
    assert error_of(api.post(f"/batches/{batch['id']}/retry", viewer)) == (403, "permission_denied")
    assert error_of(api.post(f"/batches/{batch['id']}/retry", alice, json={"all": True})) == (
        422, "validation_error")
    response = api.post(f"/batches/{batch['id']}/retry", alice)
    assert response.status_code == 200
    assert response.json()["retried"] == failed
    assert response.json()["batch"]["counts"]["failed"] == 0
    cancelled = api.submit_noop(alice, 2)
    api.post(f"/batches/{cancelled['id']}/cancel", alice)
    assert error_of(api.post(f"/batches/{cancelled['id']}/retry", alice)) == (409, "conflict")
    response = api.post(f"/batches/{cancelled['id']}/retry", alice, json={"include_cancelled": True})
    assert response.json()["retried"] == 2 and response.json()["batch"]["status"] == "queued"
    assert_counters_match_items(cancelled["id"])


def test_move_is_for_admins(api):
    alice, admin, viewer = api.user(), api.user(role="admin"), api.user(role="readonly_admin")
    batch = api.submit_noop(alice, 2)
    path = f"/batches/{batch['id']}/move"
    assert error_of(api.post(path, alice, json={"lane": "low"})) == (403, "permission_denied")
    assert error_of(api.post(path, viewer, json={"lane": "low"})) == (403, "permission_denied")
    assert error_of(api.post(path, admin, json={"lane": "sideways"})) == (422, "validation_error")
    assert error_of(api.post(path, admin)) == (422, "validation_error")
    response = api.post(path, admin, json={"lane": "low"})
    assert response.status_code == 200 and response.json()["lane"] == "low"
    assert batches.get_batch(alice, batch["id"]).lane == "low"
    assert error_of(api.post(f"{NO_BATCH}/move", admin, json={"lane": "low"})) == (404, "not_found")
