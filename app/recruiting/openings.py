"""Saved openings: a recruiter's openings kept to start screenings from.

Personal: each recruiter sees and changes their own; another user's saved opening looks
exactly like a missing one. The opening is normalised as a screening's is (the resume
kind's parameters), so what is saved is what a screening started from it will use.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, func, select

from app.accounts.permissions import check_active
from app.db import get_engine
from app.engine.kinds import get_kind
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.models import Role, SavedOpening, User, utcnow

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Enough for every opening a team screens; a bound so that one account cannot fill the table.
MAX_SAVED = 500


def _check_write(user: User) -> None:
    check_active(user)
    if user.role == Role.readonly_admin.value:
        raise PermissionDenied("Your account can view everything but change nothing.")


def _without_nul(value: Any) -> Any:
    """PostgreSQL stores no NUL character in text: dropped from every string."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    return value


def _normalise(params: dict[str, Any]) -> dict[str, Any]:
    opening = get_kind("resume").validate_params(_without_nul(dict(params)))
    opening["title"] = _CONTROL.sub(" ", str(opening.get("title") or "")).strip()
    if not opening["title"]:
        raise InvalidInput("Give the opening a title, for example “Registered Nurse”.")
    return opening


def list_openings(user: User) -> list[SavedOpening]:
    """The user's saved openings, by title."""
    check_active(user)
    with Session(get_engine()) as session:
        return list(session.exec(
            select(SavedOpening).where(SavedOpening.owner_id == user.id)
            .order_by(func.lower(SavedOpening.title), SavedOpening.id)).all())


def get_opening(user: User, opening_id: int) -> SavedOpening:
    check_active(user)
    with Session(get_engine()) as session:
        found = session.get(SavedOpening, opening_id)
    if found is None or found.owner_id != user.id:
        raise NotFound("We could not find that saved opening.")
    return found


def save_opening(user: User, params: dict[str, Any]) -> SavedOpening:
    """Save a new opening (`params` as a screening's: title, description, skills, years)."""
    _check_write(user)
    opening = _normalise(params)
    with Session(get_engine()) as session:
        count = session.exec(select(func.count()).select_from(SavedOpening)
                             .where(SavedOpening.owner_id == user.id)).one()
        if count >= MAX_SAVED:
            raise InvalidInput(f"You have {MAX_SAVED} saved openings, the most one account"
                               " may keep. Delete some you no longer use first.")
        saved = SavedOpening(owner_id=user.id, title=opening["title"][:200], params=opening)
        session.add(saved)
        session.commit()
        session.refresh(saved)
        return saved


def update_opening(user: User, opening_id: int, params: dict[str, Any]) -> SavedOpening:
    _check_write(user)
    opening = _normalise(params)
    get_opening(user, opening_id)
    with Session(get_engine()) as session:
        saved = session.get(SavedOpening, opening_id)
        if saved is None:  # deleted meanwhile
            raise NotFound("We could not find that saved opening.")
        saved.title, saved.params, saved.updated_at = opening["title"][:200], opening, utcnow()
        session.add(saved)
        session.commit()
        session.refresh(saved)
        return saved


def delete_opening(user: User, opening_id: int) -> None:
    """Screenings started from it keep their own copy of the opening."""
    _check_write(user)
    get_opening(user, opening_id)
    with Session(get_engine()) as session:
        saved = session.get(SavedOpening, opening_id)
        if saved is not None:
            session.delete(saved)
            session.commit()
