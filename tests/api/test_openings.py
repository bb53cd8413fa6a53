"""Saved openings through /api/v1/openings (issue 23, part 5): each recruiter's own,
normalised as a screening's opening, 404 to anyone else."""

from __future__ import annotations

from app.models import SavedOpening
from app.recruiting import openings
from tests.api.conftest import error_of
from tests.engine.helpers import count_rows

NURSE = {"title": "Registered Nurse", "description": "ICU nurse with BLS.",
         "must_have": ["BLS"], "nice_to_have": ["ICU"], "min_years": 2}
# As a screening keeps it: skills under their canonical names
SAVED = {**NURSE, "nice_to_have": ["Critical care"]}


def test_a_recruiter_saves_lists_changes_and_deletes_openings(api):
    owner = api.user()
    created = api.post("/openings", owner, json=NURSE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["title"], body["opening"]) == ("Registered Nurse", SAVED)
    api.post("/openings", owner, json={"title": "accountant"})
    listed = api.get("/openings", owner).json()["data"]
    assert [o["title"] for o in listed] == ["accountant", "Registered Nurse"]  # by title
    assert listed[0]["opening"] == {"title": "accountant", "description": "", "must_have": [],
                                    "nice_to_have": [], "min_years": None}

    changed = api.client.put(f"/api/v1/openings/{body['id']}", headers=api.auth(owner),
                             json={**NURSE, "title": "Charge Nurse", "min_years": 5})
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["opening"]["min_years"]) == ("Charge Nurse", 5)
    assert api.get(f"/openings/{body['id']}", owner).json()["opening"]["title"] == "Charge Nurse"

    assert api.delete(f"/openings/{body['id']}", owner).status_code == 204
    assert error_of(api.get(f"/openings/{body['id']}", owner)) == (404, "not_found")
    assert [o["title"] for o in api.get("/openings", owner).json()["data"]] == ["accountant"]


def test_another_users_saved_opening_is_not_found_and_unchanged(api):
    owner, other = api.user(), api.user()
    readonly = api.user(role="readonly_admin")
    saved = api.post("/openings", owner, json=NURSE).json()
    path = f"/openings/{saved['id']}"
    assert error_of(api.get(path, other)) == (404, "not_found")
    assert error_of(api.client.put(f"/api/v1{path}", headers=api.auth(other),
                                   json=NURSE)) == (404, "not_found")
    assert error_of(api.delete(path, other)) == (404, "not_found")
    assert api.get("/openings", other).json() == {"data": []}
    assert error_of(api.post("/openings", readonly, json=NURSE)) == (403, "permission_denied")
    assert api.get(path, owner).json()["opening"] == SAVED
    assert api.get("/openings").status_code == 401


def test_bad_openings_are_refused_in_words_and_nothing_is_saved(api, monkeypatch):
    owner = api.user()
    for body, expected in [
        ({"title": ""}, (422, "validation_error")),
        ({"title": "   "}, (422, "invalid_input")),
        ({"title": "Nurse", "min_years": 99}, (422, "validation_error")),
        ({"title": "Nurse", "salary": 5}, (422, "validation_error")),
    ]:
        assert error_of(api.post("/openings", owner, json=body)) == expected, body
    # A NUL (which PostgreSQL refuses to store) or a line break is not part of a title
    saved = api.post("/openings", owner, json={"title": "|\u0000Nurse\n", "must_have": ["B\u0000LS"]})
    assert saved.status_code == 201, saved.text
    assert (saved.json()["title"], saved.json()["opening"]["must_have"]) == ("|Nurse", ["BLS"])
    api.delete(f"/openings/{saved.json()['id']}", owner)
    monkeypatch.setattr(openings, "MAX_SAVED", 1)
    assert api.post("/openings", owner, json=NURSE).status_code == 201
    response = api.post("/openings", owner, json=NURSE)
    assert error_of(response) == (422, "invalid_input")
    assert "1 saved openings" in response.json()["error"]["message"]
    assert count_rows(SavedOpening) == 1
