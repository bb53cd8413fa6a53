"""The original files recruiters uploaded, read back exactly as they came.

Only the screening's owner and admins read a file; to anyone else it does not exist (the
same NotFound as a missing one). A PDF may be shown in the browser's own viewer; every
other kind is offered as a download under its original name, never rendered by the page
(an uploaded HTML or text file is the candidate's content, not ours).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.analysis.sniff import detect_type
from app.db import get_engine
from app.errors import NotFound
from app.models import Document, User
from app.recruiting import queries

_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "rtf": "application/rtf",
    "text": "text/plain",
    "html": "text/html",
}
_GENERIC = "application/octet-stream"
NOT_KEPT = "This resume's file is no longer kept."

document_t = Document.__table__


@dataclass(frozen=True)
class Original:
    filename: str
    content_type: str
    content: bytes
    # Shown in the browser (a PDF), else downloaded.
    inline: bool


def original_file(user: User, item_id: int | str) -> Original:
    """The exact bytes uploaded for one resume of a screening the user may read."""
    with get_engine().connect() as conn:
        item, _ = queries.readable_item(conn, user, item_id)
        return read_original(conn, item)


def read_original(conn, item) -> Original:
    """The uploaded bytes of an item's row (whoever may read it was checked by the caller:
    `original_file`, or app.recruiting.sharing for a share link)."""
    content = None if item["document_id"] is None else conn.execute(
        select(document_t.c.content).where(document_t.c.id == item["document_id"])
    ).scalar_one_or_none()
    if content is None:
        raise NotFound(NOT_KEPT)
    content = bytes(content)
    kind = detect_type(content)
    content_type = _CONTENT_TYPES.get(kind, _GENERIC)
    if content_type.startswith("text/") and not _is_utf8(content):
        content_type = _GENERIC  # a text type would be labelled UTF-8 on its way out
    return Original(item["name"], content_type, content, kind == "pdf")


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
