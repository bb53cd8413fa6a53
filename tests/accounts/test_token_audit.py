"""Creating an API token is in the audit log, with its name and prefix, never the token."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.accounts import tokens
from app.db import get_engine
from app.models import AuditEvent
from tests.engine.helpers import make_user

audit_t = AuditEvent.__table__


def test_creating_a_token_is_audited_without_the_token(stack):
    user = make_user()
    info, token = tokens.issue(user, "nightly export")
    with get_engine().connect() as conn:
        rows = conn.execute(select(audit_t).where(audit_t.c.action == "create_token")).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.actor_id == user.id
    assert row.details == {"by": user.email, "token_id": info.id, "name": "nightly export",
                           "prefix": token[:10]}
    assert token not in json.dumps(row.details)
