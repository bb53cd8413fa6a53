"""Share links through the API: created (the token once), listed, withdrawn; who may."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.recruiting import sharing
from tests.api.conftest import error_of

ZERO = "00000000-0000-0000-0000-000000000000"


def test_a_link_is_created_listed_and_withdrawn(api):
    owner = api.user()
    batch = api.submit_noop(owner, 1)
    response = api.post(f"/batches/{batch['id']}/shares", owner, json={"days": 3, "blind": True})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "url", "token", "expires_at", "blind"}
    assert body["url"] == f"http://testserver/shared/{body['token']}"
    assert body["blind"] is True
    assert sharing.open_link(body["token"]).batch_id.hex == batch["id"].replace("-", "")

    # Defaults: 14 days, not blind; no body at all is the defaults too
    plain = api.post(f"/batches/{batch['id']}/shares", owner).json()
    assert plain["blind"] is False
    expires = datetime.fromisoformat(plain["expires_at"])
    assert timedelta(days=13, hours=23) < expires - datetime.now(expires.tzinfo) <= timedelta(
        days=14)

    listed = api.get(f"/batches/{batch['id']}/shares", owner).json()["data"]
    assert [(s["id"], s["blind"], s["views"], s["active"], s["created_by"]) for s in listed] == [
        (plain["id"], False, 0, True, owner.email), (body["id"], True, 1, True, owner.email)]
    assert all("token" not in s for s in listed)

    assert api.delete(f"/shares/{body['id']}", owner).status_code == 204
    assert api.delete(f"/shares/{body['id']}", owner).status_code == 204  # again: no change
    listed = api.get(f"/batches/{batch['id']}/shares", owner).json()["data"]
    assert [(s["id"], s["active"], s["revoked_at"] is not None) for s in listed] == [
        (plain["id"], True, False), (body["id"], False, True)]


def test_who_may_share_and_bad_requests(api):
    owner, other = api.user(), api.user()
    readonly, admin = api.user(role="readonly_admin"), api.user(role="admin")
    batch = api.submit_noop(owner, 1)
    path = f"/batches/{batch['id']}/shares"
    assert error_of(api.post(path, other, json={})) == (404, "not_found")
    assert error_of(api.get(path, other)) == (404, "not_found")
    assert error_of(api.post(path, readonly, json={})) == (403, "permission_denied")
    assert api.get(path, readonly).json() == {"data": []}
    made = api.post(path, admin, json={"days": 90})
    assert made.status_code == 201
    share_id = made.json()["id"]
    assert error_of(api.delete(f"/shares/{share_id}", other)) == (404, "not_found")
    assert error_of(api.delete(f"/shares/{share_id}", readonly)) == (403, "permission_denied")
    assert error_of(api.delete("/shares/99999", owner)) == (404, "not_found")
    assert error_of(api.delete("/shares/0", owner)) == (422, "validation_error")
    assert error_of(api.post(f"/batches/{ZERO}/shares", owner, json={})) == (404, "not_found")
    for bad in ({"days": 0}, {"days": 91}, {"days": "7"}, {"blind": "yes"}, {"extra": 1}):
        assert error_of(api.post(path, owner, json=bad)) == (422, "validation_error"), bad
    response = api.post(path, owner, content=b"{oops", headers={"Content-Type": "application/json"})
    assert error_of(response) == (400, "malformed_json")
