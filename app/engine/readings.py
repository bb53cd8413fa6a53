"""Readings kept per document: what a kind read from a file, reused when it is screened again.

A kind that reads documents (resumes: PDF text, OCR, the profile) stores what it read under
a `version` naming its reading code; a later item on the same document (a re-screen points
its items at the earlier batch's documents) gets it back and skips the reading. Another
version is never returned: the document is read again and the reading replaced.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.db import get_engine, reading_connection
from app.engine import transitions
from app.engine.outcome import Cancelled
from app.models import Batch, DocumentReading, utcnow

log = logging.getLogger("shortlist.readings")
reading_t, batch_t = DocumentReading.__table__, Batch.__table__


@dataclass(frozen=True)
class Kept:
    data: dict[str, Any]
    read_at: datetime


def load(document_id: int | None, batch_id: uuid.UUID, version: str) -> Kept | None:
    """The document's reading of `version`, read with the batch's status in one query: a
    batch that stopped running since the claim raises Cancelled, as load_document does."""
    if document_id is None:
        return None
    with reading_connection() as conn:
        status = select(batch_t.c.status).where(batch_t.c.id == batch_id).scalar_subquery()
        row = conn.execute(
            select(status.label("status"), reading_t.c.version, reading_t.c.data,
                   reading_t.c.read_at)
            .where(reading_t.c.document_id == document_id)
        ).one_or_none()
    if row is None:
        return None
    if row.status not in transitions.BATCH_RUNNABLE:
        raise Cancelled()
    return Kept(row.data, row.read_at) if row.version == version else None


def save(document_id: int | None, version: str, data: dict[str, Any]) -> None:
    """Keep (or replace) the document's reading. Two items of one document may race: the
    second write wins, and both wrote the same reading of the same bytes."""
    if document_id is None:
        return
    values = {"version": version, "data": data, "read_at": utcnow()}
    try:
        with get_engine().begin() as conn:
            changed = conn.execute(update(reading_t).where(
                reading_t.c.document_id == document_id).values(**values)).rowcount
            if not changed:
                conn.execute(insert(reading_t).values(document_id=document_id, **values))
    except IntegrityError:
        pass  # the other item inserted it first, or the document was deleted meanwhile
    except SQLAlchemyError as exc:  # a kept reading only saves time: never fail the item
        log.warning("could not keep the reading of document %s: %s", document_id, exc)

