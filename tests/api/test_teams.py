"""Teams (issue 24, part 3): members see and work on each other's screenings and
candidates, through every route; anyone outside the team still gets 404 everywhere."""

from __future__ import annotations

import csv
import io

from app.accounts import teams
from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.api.conftest import error_of
from tests.engine.helpers import items, wait_finalized

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS."}


def _team_world(api):
    admin = api.user(role="admin")
    alice, bob, carol = api.user(), api.user(), api.user()
    team = teams.create_team(admin, "Nursing")
    teams.add_member(admin, team.id, alice.email)
    teams.add_member(admin, team.id, bob.email)
    batch = batches.submit(alice, kind="resume", title="Ward 7", params=OPENING, items=[
        NewItem("maria.txt", factories.NURSE.encode()),
        NewItem("robert.txt", factories.ACCOUNTANT.encode())])
    with api.stack.worker(threads=2):
        wait_finalized(batch.id)
    return admin, team, alice, bob, carol, batch


def test_a_teammate_works_on_the_screening_and_an_outsider_finds_nothing(api):
    admin, team, alice, bob, carol, batch = _team_world(api)
    item = next(i for i in items(batch.id) if i.name == "maria.txt")
    b = f"/batches/{batch.id}"
    reads = [b, f"{b}/items", f"{b}/report.csv", f"{b}/report.xlsx", f"{b}/events",
             f"/items/{item.id}", f"/items/{item.id}/document", f"/items/{item.id}/notes"]
    for path in reads:
        assert error_of(api.get(path, carol)) == (404, "not_found"), path
        if not path.endswith("/events"):  # a stream of a finished batch ends at once too
            assert api.get(path, bob).status_code == 200, path
    assert api.get(f"{b}/events", bob).status_code == 200
    writes = [(api.client.patch, f"/api/v1/items/{item.id}", {"json": {"starred": True}}),
              (api.client.post, f"/api/v1/items/{item.id}/notes", {"json": {"text": "Hi"}}),
              (api.client.post, f"/api/v1{b}/keep", {"json": {"days": 30}})]
    for call, path, body in writes:
        assert error_of(call(path, headers=api.auth(carol), **body)) == (404, "not_found")
        assert call(path, headers=api.auth(bob), **body).status_code in (200, 201), path
    assert error_of(api.post(f"{b}/cancel", carol)) == (404, "not_found")
    assert error_of(api.delete(b, carol)) == (404, "not_found")

    # The teammate's lists hold the screening and its people; the outsider's do not.
    assert [x["id"] for x in api.get("/batches", bob).json()["data"]] == [str(batch.id)]
    assert api.get("/batches", carol).json()["data"] == []
    assert {c["name"] for c in api.get("/candidates", bob).json()["data"]} >= {"Maria Garcia"}
    assert api.get("/candidates", carol).json()["data"] == []
    # The report carries bob's star (the team's decision).
    rows = list(csv.DictReader(io.StringIO(
        api.get(f"{b}/report.csv", alice).content.decode("utf-8-sig"))))
    assert [(r["file"], r["starred"]) for r in rows][0] == ("maria.txt", "yes")

    # Out of the team: bob finds nothing any more.
    teams.remove_member(admin, team.id, bob.email)
    assert error_of(api.get(b, bob)) == (404, "not_found")
    assert api.get("/batches", bob).json()["data"] == []
