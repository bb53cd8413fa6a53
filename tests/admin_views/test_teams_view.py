"""The admin's Teams view (issue 24, part 3): create a team, add and remove people (after
a confirmation); read-only admins see it with every button off."""

from __future__ import annotations

import pytest

from app.accounts import teams
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.anyio


async def test_an_admin_makes_a_team_and_changes_its_members(user, web):
    admin, alice = make_account(role="admin"), make_account()
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/teams")
    await user.should_see("No team yet: everyone sees only their own screenings.")
    user.find(marker="team-name").type("Nursing")
    user.find(marker="create-team").click()
    await user.should_see("Team Nursing created.", retries=30)
    [team] = teams.list_teams(admin)
    user.find(marker=f"add-email-{team.id}").type(alice.email)
    user.find(marker=f"add-{team.id}").click()
    await user.should_see(f"{alice.email} added to Nursing.", retries=30)
    await user.should_see("1 member")
    user.find(marker=f"remove-{team.id}-{alice.email}").click()
    await user.should_see(f"Remove {alice.email} from Nursing?")
    user.find(marker="confirm-yes").click()
    await user.should_see(f"{alice.email} removed from Nursing.", retries=30)
    assert teams.list_teams(admin) == [teams.TeamView(team.id, "Nursing", ())]


async def test_a_read_only_admin_sees_teams_but_changes_nothing(user, web):
    admin, viewer = make_account(role="admin"), make_account(role="readonly_admin")
    team = teams.create_team(admin, "Nursing")
    await sign_in(user, viewer.email, PASSWORD)
    await user.open("/admin/teams")
    await user.should_see("Nursing")
    for marker in ("create-team", f"add-{team.id}", f"delete-{team.id}"):
        assert [e.enabled for e in user.find(marker=marker).elements] == [False], marker
