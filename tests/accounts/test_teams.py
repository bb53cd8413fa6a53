"""Managing teams (issue 24, part 3): admins only, names unique, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import teams
from app.accounts.permissions import can_act, check_read, visible_owner_ids
from app.db import get_engine
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import AuditEvent
from tests.engine.helpers import make_user, submit_noop


def test_admins_make_teams_and_members_see_each_others_screenings(stack):
    admin, viewer = make_user(role="admin"), make_user(role="readonly_admin")
    alice, bob, carol = make_user(), make_user(), make_user()
    with pytest.raises(PermissionDenied):
        teams.create_team(alice, "Nursing")
    with pytest.raises(PermissionDenied):
        teams.create_team(viewer, "Nursing")
    with pytest.raises(InvalidInput, match="Give the team a name."):
        teams.create_team(admin, "   ")
    team = teams.create_team(admin, "  Nursing   team ")
    assert team.name == "Nursing team"
    with pytest.raises(Conflict, match="There is already a team called “nursing TEAM”."):
        teams.create_team(admin, "nursing TEAM")
    teams.add_member(admin, team.id, alice.email)
    assert teams.add_member(admin, team.id, bob.email.upper()).members == tuple(
        sorted([alice.email, bob.email]))
    with pytest.raises(Conflict, match="is already in Nursing team"):
        teams.add_member(admin, team.id, bob.email)
    with pytest.raises(NotFound, match="There is no account nobody@example.com."):
        teams.add_member(admin, team.id, "nobody@example.com")
    assert teams.list_teams(viewer) == [teams.TeamView(team.id, "Nursing team", tuple(
        sorted([alice.email, bob.email])))]

    batch = submit_noop(alice, 1, dispatch=False)
    assert check_read(bob, batch) is batch and can_act(bob, batch)
    assert visible_owner_ids(bob) == {alice.id, bob.id}
    assert visible_owner_ids(carol) == {carol.id}
    with pytest.raises(NotFound):
        check_read(carol, batch)
    teams.remove_member(admin, team.id, bob.email)
    with pytest.raises(NotFound):
        check_read(bob, batch)
    with pytest.raises(NotFound, match="is not in Nursing team"):
        teams.remove_member(admin, team.id, bob.email)
    teams.delete_team(admin, team.id)
    assert teams.list_teams(admin) == []
    with get_engine().connect() as conn:
        actions = [(r.action, r.details.get("team"), r.details.get("member")) for r in conn.execute(
            select(AuditEvent.__table__).order_by(AuditEvent.__table__.c.id))]
    assert actions == [
        ("create_team", "Nursing team", None), ("add_team_member", "Nursing team", alice.email),
        ("add_team_member", "Nursing team", bob.email),
        ("remove_team_member", "Nursing team", bob.email), ("delete_team", "Nursing team", None)]
