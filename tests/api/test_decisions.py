"""PATCH /api/v1/items/{id} (status, starred, tags) and the notes routes (issue 24, part 1)."""

from __future__ import annotations

import uuid

from tests.api.conftest import error_of
from tests.engine.helpers import items


def test_decisions_and_notes_through_the_api(api):
    owner, other = api.user(), api.user()
    admin, readonly = api.user(role="admin"), api.user(role="readonly_admin")
    batch_id = uuid.UUID(api.submit_noop(owner, 2)["id"])
    item_id = items(batch_id)[0].id

    response = api.client.patch(f"/api/v1/items/{item_id}", headers=api.auth(owner),
                                json={"status": "shortlisted", "tags": ["ICU", " icu "]})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["starred"], body["tags"], body["notes"]) == (
        "shortlisted", False, ["ICU"], 0)
    assert api.get(f"/items/{item_id}", owner).json()["decision"]["status"] == "shortlisted"
    for user, expected in ((other, (404, "not_found")), (readonly, (403, "permission_denied"))):
        assert error_of(api.client.patch(f"/api/v1/items/{item_id}", headers=api.auth(user),
                                         json={"starred": True})) == expected
    assert error_of(api.client.patch(f"/api/v1/items/{item_id}", headers=api.auth(owner),
                                     json={"status": "hired"}))[0] == 422
    assert error_of(api.client.patch(f"/api/v1/items/{item_id}", headers=api.auth(owner),
                                     json={"colour": "red"}))[0] == 422

    note = api.post(f"/items/{item_id}/notes", owner, json={"text": "Call Monday."})
    assert note.status_code == 201
    note = note.json()
    assert (note["author"], note["mine"], note["text"]) == (owner.email, True, "Call Monday.")
    api.post(f"/items/{item_id}/notes", admin, json={"text": "Licence?"})
    listed = api.get(f"/items/{item_id}/notes", owner).json()
    assert [(n["text"], n["mine"]) for n in listed] == [("Call Monday.", True), ("Licence?", False)]
    assert error_of(api.get(f"/items/{item_id}/notes", other)) == (404, "not_found")
    assert error_of(api.client.patch(f"/api/v1/notes/{listed[1]['id']}",
                                     headers=api.auth(owner), json={"text": "x"})) == (
        403, "permission_denied")
    edited = api.client.patch(f"/api/v1/notes/{note['id']}", headers=api.auth(owner),
                              json={"text": "Call Tuesday."}).json()
    assert edited["text"] == "Call Tuesday." and edited["updated_at"] is not None
    assert api.delete(f"/notes/{note['id']}", owner).status_code == 204
    assert error_of(api.delete(f"/notes/{note['id']}", owner)) == (404, "not_found")
    assert api.get(f"/items/{item_id}", owner).json()["decision"]["notes"] == 1
