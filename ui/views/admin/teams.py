"""Admin dashboard: teams. Members of a team see and work on each other's screenings and
candidates; an admin creates teams and adds or removes people (app.accounts.teams)."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from app.accounts import teams
from app.models import User
from ui import words
from ui.views.admin import common

PATH = "/admin/teams"


def register() -> None:
    @ui.page(PATH)
    def admin_teams_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        TeamsView(user).build()
        return None


class TeamsView:
    def __init__(self, user: User) -> None:
        self.user = user

    def build(self) -> None:
        can = common.can_change(self.user)
        with common.frame(self.user, "Teams", PATH):
            common.read_only_note(self.user)
            ui.label("People in a team see and work on each other's screenings and"
                     " candidates: decisions, notes, retries. Everyone else still sees only"
                     " their own.").classes("text-body2 sl-muted sl-wrap")
            with ui.row().classes("w-full items-center gap-2"):
                self.new_name = ui.input("New team's name").props("outlined dense").classes(
                    "w-64").mark("team-name")
                ui.button("Create team", icon="group_add", on_click=self.create).props(
                    "no-caps").mark("create-team").set_enabled(can)
            self.box = ui.column().classes("w-full gap-2").mark("teams")
            self.confirm = common.Confirm()
        self.refresh()

    def refresh(self) -> None:
        found = common.read(PATH, teams.list_teams)
        if found is common.NOTHING:
            return
        can = common.can_change(self.user)
        self.box.clear()
        with self.box:
            if not found:
                ui.label("No team yet: everyone sees only their own screenings.").classes(
                    "sl-muted").mark("no-teams")
            for team in found:
                with ui.card().classes("w-full gap-2 sl-card").mark(f"team-{team.id}"):
                    with ui.row().classes("w-full items-center justify-between gap-2"):
                        ui.label(team.name).classes("text-h6 sl-wrap")
                        ui.label(words.plural(len(team.members), "member")).classes(
                            "text-caption sl-muted")
                    for email in team.members:
                        with ui.row().classes("w-full items-center no-wrap gap-2"):
                            ui.label(email).classes("sl-wrap col min-w-0")
                            remove = ui.button(
                                icon="person_remove",
                                on_click=lambda t=team, e=email: self.ask_remove(t, e)).props(
                                "flat round dense").mark(f"remove-{team.id}-{email}")
                            remove._props["aria-label"] = f"Remove {email} from {team.name}"
                            remove.set_enabled(can)
                    with ui.row().classes("w-full items-center gap-2"):
                        add = ui.input("Add by e-mail").props("outlined dense").classes(
                            "w-64").mark(f"add-email-{team.id}")
                        ui.button("Add", icon="person_add",
                                  on_click=lambda t=team, field=add: self.add(t, field)).props(
                            "outline no-caps").mark(f"add-{team.id}").set_enabled(can)
                        ui.space()
                        ui.button("Delete team", icon="delete",
                                  on_click=lambda t=team: self.ask_delete(t)).props(
                            "flat no-caps color=negative").mark(f"delete-{team.id}"
                                                                ).set_enabled(can)

    async def create(self) -> None:
        name = self.new_name.value
        if await common.run_action(PATH, lambda u: teams.create_team(u, name),
                                   done=lambda t: f"Team {t.name} created.") is not None:
            self.new_name.set_value("")
            self.refresh()

    async def add(self, team: teams.TeamView, field: ui.input) -> None:
        email = field.value or ""
        if await common.run_action(PATH, lambda u: teams.add_member(u, team.id, email),
                                   done=f"{email.strip()} added to {team.name}.") is not None:
            self.refresh()

    def ask_remove(self, team: teams.TeamView, email: str) -> None:
        self.confirm.ask(f"Remove {email} from {team.name}?",
                         f"{email} no longer sees the screenings and candidates of"
                         f" {team.name}'s other members, nor they theirs.", "Remove",
                         lambda: self.remove(team, email), danger=True)

    async def remove(self, team: teams.TeamView, email: str) -> None:
        if await common.run_action(PATH, lambda u: teams.remove_member(u, team.id, email),
                                   done=f"{email} removed from {team.name}.") is not None:
            self.refresh()

    def ask_delete(self, team: teams.TeamView) -> None:
        self.confirm.ask(f"Delete the team {team.name}?",
                         f"Its {words.plural(len(team.members), 'member')} keep their own"
                         " screenings, and no longer see each other's.", "Delete team",
                         lambda: self.delete(team), danger=True)

    async def delete(self, team: teams.TeamView) -> None:
        if await common.run_action(PATH, lambda u: teams.delete_team(u, team.id),
                                   done=f"Team {team.name} deleted.") is not None:
            self.refresh()
