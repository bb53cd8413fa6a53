"""Teams: an admin puts people in teams; members see and work on each other's screenings
and candidates (the rule is app.accounts.permissions, the lookup app.accounts.teammates).
Every change is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from app.accounts.audit import record_admin_action
from app.accounts.permissions import check_admin_action, check_admin_read
from app.accounts.users import user_by_email
from app.db import session_scope
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Team, TeamMember, User, utcnow

team_t, member_t, user_t = Team.__table__, TeamMember.__table__, User.__table__
MAX_NAME = 100
NOT_FOUND = "We could not find that team."


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: tuple[str, ...]  # e-mails, sorted


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Give the team a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"A team's name has at most {MAX_NAME} characters.")
    return name


def list_teams(admin: User) -> list[TeamView]:
    check_admin_read(admin, "the teams")
    with session_scope() as session:
        teams = session.execute(select(team_t.c.id, team_t.c.name).order_by(
            func.lower(team_t.c.name))).all()
        members: dict[int, list[str]] = {}
        for team_id, email in session.execute(
                select(member_t.c.team_id, user_t.c.email)
                .join(user_t, user_t.c.id == member_t.c.user_id)):
            members.setdefault(team_id, []).append(email)
    return [TeamView(t.id, t.name, tuple(sorted(members.get(t.id, ())))) for t in teams]


def create_team(admin: User, name: str) -> TeamView:
    check_admin_action(admin, "create teams")
    name = _name(name)
    with session_scope() as session:
        if session.execute(select(team_t.c.id).where(
                func.lower(team_t.c.name) == name.lower())).first() is not None:
            raise Conflict(f"There is already a team called “{name}”.")
        team = Team(name=name, created_at=utcnow())
        session.add(team)
        session.flush()
        record_admin_action(session, admin, "create_team", team=name)
        session.commit()
        return TeamView(team.id, team.name, ())


def _team(session, team_id: int) -> Team:
    team = session.get(Team, team_id) if 1 <= team_id < 2**31 else None
    if team is None:
        raise NotFound(NOT_FOUND)
    return team


def delete_team(admin: User, team_id: int) -> None:
    """The team goes; its members keep their screenings (each their own again)."""
    check_admin_action(admin, "delete teams")
    with session_scope() as session:
        team = _team(session, team_id)
        session.execute(delete(member_t).where(member_t.c.team_id == team.id))
        name = team.name
        session.delete(team)
        record_admin_action(session, admin, "delete_team", team=name)
        session.commit()


def add_member(admin: User, team_id: int, email: str) -> TeamView:
    check_admin_action(admin, "change teams")
    with session_scope() as session:
        team = _team(session, team_id)
        user = user_by_email(session, email)
        if user is None:
            raise NotFound(f"There is no account {email.strip()}.")
        if session.get(TeamMember, (team.id, user.id)) is not None:
            raise Conflict(f"{user.email} is already in {team.name}.")
        session.add(TeamMember(team_id=team.id, user_id=user.id, added_at=utcnow()))
        record_admin_action(session, admin, "add_team_member", team=team.name,
                            member=user.email)
        session.commit()
    return _view(team_id)


def remove_member(admin: User, team_id: int, email: str) -> TeamView:
    check_admin_action(admin, "change teams")
    with session_scope() as session:
        team = _team(session, team_id)
        user = user_by_email(session, email)
        removed = session.execute(delete(member_t).where(
            member_t.c.team_id == team.id,
            member_t.c.user_id == (user.id if user else -1))).rowcount
        if not removed:
            raise NotFound(f"{email.strip()} is not in {team.name}.")
        record_admin_action(session, admin, "remove_team_member", team=team.name,
                            member=user.email)
        session.commit()
    return _view(team_id)


def _view(team_id: int) -> TeamView:
    with session_scope() as session:
        team = _team(session, team_id)
        emails = session.execute(select(user_t.c.email).join(
            member_t, member_t.c.user_id == user_t.c.id).where(
            member_t.c.team_id == team_id).order_by(user_t.c.email)).scalars().all()
        return TeamView(team.id, team.name, tuple(emails))
