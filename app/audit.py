"""The audit log: who did what to which batches, when. Written, never edited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from app.models import AuditEvent, User
from app.permissions import is_admin


def record_admin_action(session: Session, user: User, action: str,
                        batch_id: uuid.UUID | None = None, **details: Any) -> None:
    """Every action of an admin is recorded, in the same transaction as the action."""
    if is_admin(user):
        session.add(AuditEvent(actor_id=user.id, action=action, batch_id=batch_id,
                               details={"by": user.email, **details}))
