"""Deleting documents that no item uses any more.

A re-screen points its items at an earlier batch's documents, so one document can serve
several batches: deleting a batch deletes only the documents no other item still uses.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, exists, func, select

from app.errors import InvalidInput
from app.models import Document, Item

document_t, item_t = Document.__table__, Item.__table__


def delete_unused(conn: Connection, document_ids: Iterable[int]) -> int:
    """Delete those of `document_ids` that no item points to (call after deleting the
    items); their kept readings go with them (ON DELETE CASCADE). Returns how many."""
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    used = exists(select(item_t.c.id).where(item_t.c.document_id == document_t.c.id))
    return conn.execute(delete(document_t).where(document_t.c.id.in_(ids), ~used)).rowcount


def require_kept(conn: Connection, document_ids: Iterable[int]) -> None:
    """The stored documents a re-screen reuses still exist (not purged meanwhile)."""
    ids = sorted(set(document_ids))
    if not ids:
        return
    found = conn.execute(select(func.count()).select_from(document_t)
                         .where(document_t.c.id.in_(ids))).scalar_one()
    if found != len(ids):
        raise InvalidInput("Some of these resumes are no longer kept: upload them again.")
