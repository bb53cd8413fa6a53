"""A batch's new items as rows: checked, then written with their documents and file names.

Shared by a new batch (app.engine.batches.submit) and resumes added to an existing one
(app.engine.additions), so both take the same names, limits and bulk inserts.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert

from app.engine.documents import require_kept
from app.engine.kinds import Kind
from app.errors import InvalidInput, TooLarge
from app.models import Document, FileName, Item, ItemStatus
from app.settings import get_settings
from app.units import human_size

item_t, document_t, file_name_t = Item.__table__, Document.__table__, FileName.__table__
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ITEM_COPY_COLUMNS = ("batch_id", "seq", "name", "document_id", "status", "attempts")


@dataclass(frozen=True)
class NewItem:
    """One item of a submission: a name (the file name) and its bytes, if the kind has any,
    or a document already stored (a re-screen: app.recruiting.rescreen, which checked that
    the user may read it; never taken from a request)."""

    name: str
    content: bytes | None = None
    document_id: int | None = None


def clean_name(name: str, fallback: str) -> str:
    """A display name: no control characters, no folders, at most 255 characters."""
    name = _CONTROL.sub("", name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or fallback)[:255]




def checked_names(spec: Kind, items: Sequence[NewItem]) -> list[str]:
    """The items' display names, once each item passed the per-file checks."""
    limit = get_settings().max_file_bytes
    names = [clean_name(it.name, f"item {i + 1}") for i, it in enumerate(items)]
    for name, it in zip(names, items):
        if spec.needs_documents and not it.content and it.document_id is None:
            raise InvalidInput(f"{name} is empty.")
        if it.content is not None and len(it.content) > limit:
            raise TooLarge(f"{name} is larger than the {human_size(limit)} limit.")
    return names


def insert_items(conn: Connection, batch_id: uuid.UUID, first_seq: int,
                 items: Sequence[NewItem], names: list[str], now: datetime) -> None:
    """The items (pending, seq from `first_seq`), their new documents and file names, in
    the caller's transaction, with bulk inserts."""
    document_ids: list[int | None] = [it.document_id for it in items]
    require_kept(conn, [d for d in document_ids if d is not None])
    with_content = [i for i, it in enumerate(items) if it.content is not None]
    if with_content:
        rows = conn.execute(
            insert(document_t).returning(document_t.c.id, sort_by_parameter_order=True),
            [{"sha256": hashlib.sha256(items[i].content).hexdigest(),
              "size": len(items[i].content), "content": items[i].content,
              "content_type": "application/octet-stream", "created_at": now}
             for i in with_content],
        ).all()
        for i, row in zip(with_content, rows):
            document_ids[i] = row[0]
    seqs = range(first_seq, first_seq + len(items))
    rows = [(batch_id, seq, names[i], document_ids[i], ItemStatus.pending.value, 0)
            for i, seq in enumerate(seqs)]
    # The file names once more, for the admin's search (see models.FileName).
    name_rows = [(batch_id, seq, names[i]) for i, seq in enumerate(seqs)]
    if conn.dialect.name == "postgresql":
        # COPY, in the same transaction: 10,000 items in about 0.1 s instead of 0.45.
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY item ({', '.join(ITEM_COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.copy("COPY file_name (batch_id, seq, name) FROM STDIN") as copy:
            for row in name_rows:
                copy.write_row(row)
    else:
        conn.execute(insert(item_t), [dict(zip(ITEM_COPY_COLUMNS, row)) for row in rows])
        conn.execute(insert(file_name_t), [{"batch_id": b, "seq": i, "name": n}
                                           for b, i, n in name_rows])
