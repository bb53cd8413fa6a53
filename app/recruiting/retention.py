"""How long a finished screening is kept, as its owner sees and changes it.

A finished screening is deleted with its resumes when it expires (app.engine.housekeeping:
RETENTION_DONE_DAYS, RETENTION_FAILED_DAYS after it ended). Its owner (or an admin) may
keep it longer, up to RETENTION_MAX_DAYS from the day they ask, or delete it at once
(app.engine.batches.delete). Both are in the audit log: that they happened, not what the
screening held.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from app.accounts.audit import record_action
from app.accounts.permissions import check_act
from app.db import get_engine
from app.engine import batches
from app.errors import Conflict, InvalidInput
from app.models import BATCH_FINISHED, Batch, User, utcnow
from app.settings import get_settings

batch_t = Batch.__table__


def keep(user: User, batch_id: uuid.UUID | str, days: int) -> Batch:
    """Keep a finished screening until `days` days from now (1 to RETENTION_MAX_DAYS)."""
    longest = get_settings().retention_max_days
    if not 1 <= days <= longest:
        raise InvalidInput(f"A screening can be kept for 1 to {longest} days from today.")
    batch = check_act(user, batches.get_batch(user, batch_id))
    finished = [s.value for s in BATCH_FINISHED]
    if batch.status not in finished:
        raise Conflict("This screening is still running: it is kept while it runs, and how"
                       " long after can be chosen once it has finished.")
    until = utcnow() + timedelta(days=days)
    with get_engine().begin() as conn:
        changed = conn.execute(update(batch_t).where(
            batch_t.c.id == batch.id, batch_t.c.status.in_(finished)).values(
            expires_at=until)).rowcount
        if changed != 1:  # retried meanwhile: running again
            raise Conflict("This screening was started again meanwhile; try once it ends.")
        with Session(bind=conn) as session:
            record_action(session, user, "keep", batch.id, days=days,
                          until=until.isoformat(timespec="seconds"))
            session.commit()
    return batches.get_batch(user, batch.id)
