"""API tokens: create (shown once), list (never shown again), revoke; app.accounts.tokens rules."""

from __future__ import annotations

import pytest

from app.accounts import tokens
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.api.conftest import error_of


def test_create_list_and_revoke_own_tokens(api):
    alice = api.user()
    created = api.post("/tokens", alice, json={"name": "  CI\tpipeline "})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "CI pipeline" and body["active"] is True
    assert body["token"].startswith("sl_") and body["prefix"] == body["token"][:10]
    # The new token works at once
    assert api.client.get("/api/v1/tokens", headers={
        "Authorization": f"Bearer {body['token']}"}).status_code == 200
    listed = api.get("/tokens", alice).json()["data"]
    assert [t["name"] for t in listed] == ["CI pipeline", "tests"]
    assert all("token" not in t for t in listed)
    assert listed[0]["last_used_at"] is not None  # it was just used
    revoked = api.delete(f"/tokens/{body['id']}", alice)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert api.client.get("/api/v1/tokens", headers={
        "Authorization": f"Bearer {body['token']}"}).status_code == 401
    # Revoking again changes nothing
    again = api.delete(f"/tokens/{body['id']}", alice)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert api.post("/tokens", alice).json()["name"] == ""  # no body: no name


def test_others_tokens_are_not_found_and_input_is_checked(api):
    alice, bob = api.user(), api.user()
    viewer, admin = api.user(role="readonly_admin"), api.user(role="admin")
    bobs = api.get("/tokens", bob).json()["data"][0]["id"]
    assert error_of(api.delete(f"/tokens/{bobs}", alice)) == (404, "not_found")
    assert error_of(api.delete("/tokens/999999", alice)) == (404, "not_found")
    assert error_of(api.delete("/tokens/0", alice)) == (422, "validation_error")
    assert error_of(api.delete("/tokens/abc", alice)) == (422, "validation_error")
    assert error_of(api.post("/tokens", alice, json={"name": "x" * 101})) == (
        422, "validation_error")
    assert error_of(api.post("/tokens", alice, json={"name": 5, "extra": 1})) == (
        422, "validation_error")
    # A read-only admin manages their own tokens, but not anyone else's
    assert api.post("/tokens", viewer, json={"name": "mine"}).status_code == 201
    assert error_of(api.delete(f"/tokens/{bobs}", viewer)) == (403, "permission_denied")
    assert api.delete(f"/tokens/{bobs}", admin).json()["active"] is False
    assert error_of(api.get("/tokens", bob)) == (401, "unauthorized")


def test_token_service_rules(api):
    alice, bob, viewer = api.user(), api.user(), api.user(role="readonly_admin")
    assert tokens.list_tokens(alice, owner_id=bob.id) == []
    assert [t.user_id for t in tokens.list_tokens(viewer, owner_id=bob.id)] == [bob.id]
    with pytest.raises(InvalidInput):
        tokens.issue(alice, "x" * 101)
    with pytest.raises(NotFound):
        tokens.get_token(alice, tokens.list_tokens(bob)[0].id)
    with pytest.raises(PermissionDenied):
        tokens.revoke(viewer, tokens.list_tokens(bob)[0].id)


def test_active_tokens_are_capped(api, monkeypatch):
    alice = api.user()
    monkeypatch.setattr(tokens, "MAX_ACTIVE_TOKENS", 2)
    info, _ = tokens.issue(alice, "second")
    with pytest.raises(Conflict):
        tokens.issue(alice, "third")
    assert error_of(api.post("/tokens", alice)) == (409, "conflict")
    tokens.revoke(alice, info.id)
    assert api.post("/tokens", alice).status_code == 201
