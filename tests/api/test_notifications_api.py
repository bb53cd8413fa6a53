"""Notification settings through the API (issue 24, part 5): the default webhook and its
secret under /api/v1/me/webhook, the last deliveries under /me/notifications, and
`callback_url` in a submission (JSON and multipart)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from app.db import get_engine
from app.models import Batch
from app.notify import webhooks
from tests.api.conftest import error_of, set_setting

OPENING = {"title": "Registered Nurse", "description": "ICU nurse."}


def put(api, user, body):
    return api.client.put("/api/v1/me/webhook", headers=api.auth(user), json=body)


def test_the_webhook_secret_is_shown_once_and_the_url_kept(api):
    owner = api.user()
    assert error_of(api.get("/me/webhook", owner)) == (404, "not_found")
    created = put(api, owner, {"url": "https://93.184.215.14/hooks/a"})
    assert created.status_code == 200, created.text
    first = created.json()
    assert set(first) == {"url", "secret"} and first["url"] == "https://93.184.215.14/hooks/a"
    assert first["secret"].startswith("whsec_") and len(first["secret"]) > 40
    shown = api.get("/me/webhook", owner).json()
    assert set(shown) == {"url", "created_at"} and shown["url"] == first["url"]
    # A new PUT makes a new secret; null keeps only a secret
    second = put(api, owner, {"url": None}).json()
    assert second["url"] is None and second["secret"] != first["secret"]
    assert api.get("/me/webhook", owner).json()["url"] is None
    # Another user sees none of it
    assert error_of(api.get("/me/webhook", api.user())) == (404, "not_found")
    assert api.delete("/me/webhook", owner).status_code == 204
    assert error_of(api.delete("/me/webhook", owner)) == (404, "not_found")


def test_webhook_addresses_are_checked(api, monkeypatch):
    owner = api.user()
    for body, status in [({"url": "http://127.0.0.1:9/x"}, 422), ({"url": "ftp://a.example"}, 422),
                         ({"url": "https://" + "a" * 1995}, 422), ({}, 422),
                         ({"url": "https://93.184.215.14/x", "secret": "mine"}, 422)]:
        assert error_of(put(api, owner, body))[0] == status, body
    set_setting(monkeypatch, "webhook_allow_private", True)
    assert put(api, owner, {"url": "http://127.0.0.1:9/x"}).status_code == 200


def test_a_submission_carries_its_callback_url_as_json_or_a_form_field(api):
    owner = api.user()
    body = {"opening": OPENING, "items": [{"name": "a.txt", "text": "Nurse, ICU, BLS."}],
            "callback_url": "https://93.184.215.14/hooks/batch"}
    refused = api.post("/batches", owner, json=body)
    assert error_of(refused) == (422, "invalid_input")
    assert "PUT /api/v1/me/webhook" in refused.json()["error"]["message"]
    put(api, owner, {"url": None})
    made = api.post("/batches", owner, json=body)
    assert made.status_code == 201, made.text
    form = api.post("/batches", owner, data={"title": "Nurse",
                                             "callback_url": "https://93.184.215.14/hooks/form"},
                    files=[("files", ("b.txt", b"Nurse, ICU, BLS.", "text/plain"))])
    assert form.status_code == 201, form.text
    bad = api.post("/batches", owner, data={"title": "Nurse", "callback_url": "http://10.0.0.1/"},
                   files=[("files", ("b.txt", b"Nurse", "text/plain"))])
    assert error_of(bad) == (422, "invalid_input")
    with get_engine().connect() as conn:
        urls = dict(conn.execute(select(Batch.__table__.c.id, Batch.__table__.c.callback_url)
                                 .where(Batch.__table__.c.owner_id == owner.id)).all())
    assert sorted(urls.values()) == ["https://93.184.215.14/hooks/batch",
                                     "https://93.184.215.14/hooks/form"]


def test_the_last_deliveries_are_listed_newest_first_and_only_ones_own(api):
    from app.engine import finalize

    owner = api.user()
    webhooks.set_webhook(owner, None)
    done = api.submit_noop(owner, 1)
    api.post(f"/batches/{done['id']}/cancel", owner)
    finalize.finalize_batch(done["id"])  # cancelled: nobody is told
    assert api.get("/me/notifications", owner).json() == {"data": []}
    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == uuid.UUID(done["id"]))
                     .values(status="done", summary=None))
    finalize.finalize_batch(done["id"])
    data = api.get("/me/notifications", owner).json()["data"]
    assert [(n["channel"], n["event"], n["state"], n["attempts"]) for n in data] == [
        ("app", "batch.finished", "sent", 0)]
    assert data[0]["title"] == "Your screening “Untitled opening” finished: 0 screened, 1 not screened."
    assert api.get("/me/notifications", api.user()).json() == {"data": []}
    assert error_of(api.get("/me/notifications?limit=0", owner)) == (422, "validation_error")
