"""Who shares a team with whom: the lookup the permission rules use (app.accounts.
permissions). Managing teams is app.accounts.teams."""

from __future__ import annotations

from sqlalchemy import select

from app.db import get_engine
from app.models import TeamMember

member_t = TeamMember.__table__


def owners_visible_to(user_id: int) -> frozenset[int]:
    """The user and everyone sharing a team with them: whose screenings and candidates
    they see and work on."""
    mine = select(member_t.c.team_id).where(member_t.c.user_id == user_id)
    with get_engine().connect() as conn:
        ids = set(conn.execute(select(member_t.c.user_id).where(
            member_t.c.team_id.in_(mine))).scalars())
    return frozenset(ids | {user_id})


def share_a_team(user_id: int, other_id: int) -> bool:
    if user_id == other_id:
        return True
    a, b = member_t.alias("a"), member_t.alias("b")
    with get_engine().connect() as conn:
        return conn.execute(
            select(a.c.team_id).join(b, b.c.team_id == a.c.team_id)
            .where(a.c.user_id == user_id, b.c.user_id == other_id).limit(1)
        ).first() is not None
