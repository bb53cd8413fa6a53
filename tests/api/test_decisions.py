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


def test_the_reports_carry_the_hiring_teams_columns(api):
    import csv
    import io

    from openpyxl import load_workbook

    from app.engine import batches
    from app.engine.batches import NewItem
    from app.recruiting import decisions
    from tests.analysis import factories
    from tests.engine.helpers import wait_finalized

    owner = api.user()
    batch = batches.submit(owner, kind="resume", title="Nurses", params={
        "title": "Registered Nurse", "description": "Patient care, BLS."}, items=[
        NewItem("maria.txt", factories.NURSE.encode()),
        NewItem("robert.txt", factories.ACCOUNTANT.encode())])
    with api.stack.worker(threads=2):
        wait_finalized(batch.id)
    before = api.get(f"/batches/{batch.id}/report.csv", owner).content
    rows = list(csv.DictReader(io.StringIO(before.decode("utf-8-sig"))))
    assert [(r["file"], r["status"], r["starred"], r["tags"], r["notes"]) for r in rows] == [
        ("maria.txt", "", "", "", ""), ("robert.txt", "", "", "", "")]
    maria = next(i for i in items(batch.id) if i.name == "maria.txt")
    decisions.decide(owner, maria.id, status="interview", starred=True, tags=["ICU", "nights"])
    decisions.add_note(owner, maria.id, "=Call her")  # a formula stays text
    rows = list(csv.DictReader(io.StringIO(
        api.get(f"/batches/{batch.id}/report.csv", owner).content.decode("utf-8-sig"))))
    assert [(r["file"], r["status"], r["starred"], r["tags"], r["notes"]) for r in rows] == [
        ("maria.txt", "Interview", "yes", "ICU; nights", f"'=Call her ({owner.email})"),
        ("robert.txt", "New", "", "", "")]
    sheet = load_workbook(io.BytesIO(
        api.get(f"/batches/{batch.id}/report.xlsx", owner).content)).active
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]]))
    assert (first["file"], first["status"], first["tags"]) == ("maria.txt", "Interview",
                                                               "ICU; nights")
