"""Who may do what: the one home of these rules (UI, API, CLI and actors all call them)."""

from __future__ import annotations

from app.accounts import teammates
from app.errors import NotFound, PermissionDenied
from app.models import Batch, Role, User

ADMIN_ROLES = (Role.admin.value, Role.readonly_admin.value)


def is_admin(user: User) -> bool:
    """Sees everything (read-only admins too)."""
    return user.role in ADMIN_ROLES


def can_change_anything(user: User) -> bool:
    return user.role == Role.admin.value


def can_submit(user: User) -> bool:
    """May start screenings (batches.submit refuses everyone else)."""
    return user.active and user.role != Role.readonly_admin.value


def check_active(user: User) -> None:
    if not user.active:
        raise PermissionDenied("This account is deactivated.")


def is_teammate(user: User, owner_id: int) -> bool:
    """The owner is the user, or shares a team with them (members see and work on each
    other's screenings and candidates)."""
    return owner_id == user.id or teammates.share_a_team(user.id, owner_id)


def visible_owner_ids(user: User) -> frozenset[int]:
    """Whose screenings and candidates the user's own lists hold: theirs and their
    teammates'."""
    return teammates.owners_visible_to(user.id)


def check_read(user: User, batch: Batch | None) -> Batch:
    """A recruiter reads their own and their teammates' batches; others' look exactly
    like missing ones."""
    check_active(user)
    if batch is None or not (is_admin(user) or is_teammate(user, batch.owner_id)):
        raise NotFound("We could not find that screening.")
    return batch


def can_act(user: User, batch: Batch) -> bool:
    """May change `batch` (its owner, or an admin who can change anything)."""
    return user.active and (can_change_anything(user) or (
        user.role != Role.readonly_admin.value and is_teammate(user, batch.owner_id)))


def check_act(user: User, batch: Batch | None) -> Batch:
    check_read(user, batch)
    if user.role == Role.readonly_admin.value:
        raise PermissionDenied("Your account can view everything but change nothing.")
    return batch


def check_admin_action(user: User, what: str) -> None:
    check_active(user)
    if not can_change_anything(user):
        raise PermissionDenied(f"Only an admin can {what}.")


def check_admin_read(user: User, what: str) -> None:
    """Admins, read-only ones too, may see `what` (the lanes, the workers, the dashboard)."""
    check_active(user)
    if not is_admin(user):
        raise PermissionDenied(f"Only an admin can see {what}.")
