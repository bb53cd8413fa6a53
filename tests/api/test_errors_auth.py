"""Authentication and the error contract: one JSON shape, a stable code, never a trace."""

from __future__ import annotations

import pytest

from app.accounts import users
from app.admin import batch_search
from app.db import session_scope
from app.models import User
from tests.api.conftest import error_of
from ui.api.config import SMALL_BODY_BYTES

ENDPOINTS = [
    ("get", "/batches"), ("post", "/batches"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000/items"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000/report.csv"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000/report.xlsx"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000/events"),
    ("post", "/batches/00000000-0000-0000-0000-000000000000/cancel"),
    ("post", "/batches/00000000-0000-0000-0000-000000000000/retry"),
    ("post", "/batches/00000000-0000-0000-0000-000000000000/move"),
    ("get", "/lanes"), ("get", "/workers"), ("get", "/stats/daily"),
    ("get", "/tokens"), ("post", "/tokens"), ("delete", "/tokens/1"), ("get", "/me"),
    ("get", "/me/webhook"), ("put", "/me/webhook"), ("delete", "/me/webhook"),
    ("get", "/me/notifications"),
    ("get", "/batches/00000000-0000-0000-0000-000000000000/shares"),
    ("post", "/batches/00000000-0000-0000-0000-000000000000/shares"), ("delete", "/shares/1"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_every_endpoint_needs_a_token(api, method, path):
    # Given no Authorization header, a wrong scheme, or a token nobody issued
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer sl_not-a-real-token"},
                    {"Authorization": "Bearer "}):
        response = getattr(api.client, method)("/api/v1" + path, headers=headers)
        # Then 401 with the error body and the Bearer challenge
        assert error_of(response) == (401, "unauthorized"), (headers, response.text)
        assert response.headers["www-authenticate"] == 'Bearer realm="shortlist"'


def test_a_revoked_token_and_a_deactivated_account_are_refused(api):
    alice = api.user()
    assert api.get("/batches", alice).status_code == 200
    with session_scope() as session:
        session.get(User, alice.id).active = False
    assert error_of(api.get("/batches", alice)) == (401, "unauthorized")

    bob = api.user()
    token_id = api.get("/tokens", bob).json()["data"][0]["id"]
    assert api.delete(f"/tokens/{token_id}", bob).status_code == 200
    assert error_of(api.get("/batches", bob)) == (401, "unauthorized")


def test_unknown_paths_and_methods_answer_json(api):
    alice = api.user()
    assert error_of(api.get("/nothing-here", alice)) == (404, "not_found")
    response = api.client.put("/api/v1/batches", headers=api.auth(alice))
    assert error_of(response) == (405, "method_not_allowed")


def test_malformed_bodies_are_400_never_500(api):
    alice = api.user()
    cases = [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # deep nesting
        (b'{"kind": "noop", "items": [{"name": "a", "text": NaN}]}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"kind": "noop", "items": [{"name": "a\\u0000b"}]}', "application/json"),
        (b'{"kind": "noop", "items": [{"name": "\\ud800"}]}', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data"),  # no boundary
    ]
    for body, content_type in cases:
        response = api.post("/batches", alice, content=body,
                            headers={"Content-Type": content_type})
        status, code = error_of(response)
        assert status == 400, (body[:40], response.text)
        assert code in {"malformed_request", "bad_request"}, response.text
    # A truncated form is read as an empty one: no files
    response = api.post("/batches", alice, content=b"--x\r\nbroken",
                        headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert error_of(response) == (422, "invalid_input")


def test_nesting_just_under_the_limit_is_a_validation_error_not_a_crash(api):
    alice = api.user()
    nested = "[" * 30 + "]" * 30
    response = api.post("/batches", alice, content=f'{{"kind": "noop", "items": {nested}}}',
                        headers={"Content-Type": "application/json"})
    assert error_of(response) == (422, "validation_error")


def test_unsupported_content_type_is_415(api):
    alice = api.user()
    response = api.post("/batches", alice, content=b"hello", headers={"Content-Type": "text/plain"})
    assert error_of(response) == (415, "unsupported_media_type")


def test_validation_errors_are_reshaped(api):
    alice = api.user()
    response = api.get("/batches?limit=0&status=nope", alice)
    assert error_of(response) == (422, "validation_error")
    details = response.json()["error"]["details"]
    assert {tuple(d["loc"]) for d in details} == {("query", "limit"), ("query", "status", 0)}
    assert all(set(d) == {"loc", "message", "type"} for d in details)
    # A body of the wrong shape on a FastAPI-parsed route
    response = api.post("/batches/00000000-0000-0000-0000-000000000000/move", alice,
                        json={"lane": "fastest"})
    assert error_of(response) == (422, "validation_error")
    response = api.post("/batches/00000000-0000-0000-0000-000000000000/move", alice,
                        content=b"{oops", headers={"Content-Type": "application/json"})
    assert error_of(response) == (400, "malformed_json")


def test_bodies_over_their_limit_are_413(api, monkeypatch):
    alice = api.user()
    from tests.api.conftest import set_setting

    set_setting(monkeypatch, "api_max_json_bytes", 1000)
    big = {"kind": "noop", "items": [{"name": "a", "text": "x" * 2000}]}
    assert error_of(api.post("/batches", alice, json=big)) == (413, "too_large")
    # Small-body routes have a small limit, announced or streamed
    response = api.post("/tokens", alice, content=b'{"name": "' + b"x" * SMALL_BODY_BYTES + b'"}',
                        headers={"Content-Type": "application/json"})
    assert error_of(response) == (413, "too_large")

    def chunks():
        for _ in range(SMALL_BODY_BYTES // 1000 + 2):
            yield b" " * 1000

    response = api.post("/tokens", alice, content=chunks(),
                        headers={"Content-Type": "application/json"})
    assert error_of(response) == (413, "too_large")


def test_a_multipart_upload_over_max_upload_bytes_is_413(api, monkeypatch):
    alice = api.user()
    monkeypatch.setattr(api.stack.settings, "max_upload_bytes", 10_000)
    files = [("files", ("a.txt", b"x" * 9_000)), ("files", ("b.txt", b"y" * 9_000))]
    response = api.post("/batches", alice, data={"title": "Nurse"}, files=files)
    assert error_of(response) == (413, "too_large")
    assert "add up to more than" in response.json()["error"]["message"]


def test_an_unexpected_error_is_a_generic_500_without_a_trace(api, monkeypatch, caplog):
    alice = api.user()

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(batch_search, "search", broken)
    response = api.get("/batches", alice)
    assert error_of(response) == (500, "internal_error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert any("hunter2" in r.getMessage() or (r.exc_info and "hunter2" in str(r.exc_info[1]))
               for r in caplog.records)


def test_openapi_documents_every_route(api):
    spec = api.client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Shortlist API"
    assert set(spec["paths"]) == {
        "/batches", "/batches/{batch_id}", "/batches/{batch_id}/items",
        "/batches/{batch_id}/report.csv", "/batches/{batch_id}/report.xlsx",
        "/batches/{batch_id}/cancel", "/batches/{batch_id}/retry",
        "/batches/{batch_id}/move", "/batches/{batch_id}/events", "/tokens",
        "/batches/{batch_id}/keep",
        "/tokens/{token_id}", "/lanes", "/workers", "/stats/daily", "/items/{item_id}/document",
        "/items/{item_id}", "/items/{item_id}/retry", "/items/{item_id}/dismiss",
        "/items/{item_id}/notes", "/notes/{note_id}",
        "/openings", "/openings/{opening_id}", "/candidates", "/candidates/{candidate_id}",
        "/me", "/me/webhook", "/me/notifications",
        "/batches/{batch_id}/shares", "/shares/{share_id}"}
    body = spec["paths"]["/batches"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert {"SubmitJson", "SubmitForm", "OpeningIn", "ErrorBody"} <= set(spec["components"]["schemas"])
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert api.client.get("/api/v1/docs").status_code == 200


def test_tokens_are_stored_hashed(api):
    alice = api.user()
    token = api.tokens[alice.id]
    from sqlalchemy import select

    from app.models import ApiToken

    with session_scope() as session:
        stored = session.exec(select(ApiToken.token_hash).where(ApiToken.user_id == alice.id)).all()
    assert token not in str(stored) and len(stored[0][0]) == 64
    assert users.user_for_token(token).id == alice.id
