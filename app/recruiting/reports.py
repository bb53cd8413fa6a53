"""The screening's ranked report for download (CSV or XLSX), with the hiring team's columns.

The report stored when the screening ended is served as it is until anyone decides on a
candidate; from then on it is written at download time with status, star, tags and notes.
Permission is checked through `queries.readable_batch`, so another recruiter's report
looks exactly like a missing one.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.db import get_engine
from app.errors import NotFound
from app.models import Document, User
from app.recruiting import decisions, queries

document_t = Document.__table__
REPORT_FORMATS = {"csv": "report_csv_id", "xlsx": "report_xlsx_id"}
_REPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Report:
    filename: str
    content_type: str
    content: bytes


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")


def report_filename(title: str, fmt: str) -> str:
    """A download name from the screening's title, safe on every operating system."""
    stem = _UNSAFE_FILENAME.sub("", title or "").strip().replace(" ", "-")[:60].strip("-.")
    return f"shortlist-{stem}.{fmt}" if stem else f"shortlist.{fmt}"


def report_document(user: User, batch_id: uuid.UUID | str, fmt: str) -> Report:
    """The screening's ranked report as CSV or XLSX bytes, once the screening finished."""
    if fmt not in REPORT_FORMATS:
        raise NotFound("We could not find that report.")
    with get_engine().connect() as conn:
        batch = queries.readable_batch(conn, user, batch_id)
        document_id = getattr(batch, REPORT_FORMATS[fmt])
        if document_id is None:
            raise NotFound("The report is not ready yet: it is made when the screening ends.")
        if decisions.has_any(conn, batch.id):  # written now, with the team's columns
            content = decisions.report_with_team(conn, batch, fmt)
        else:
            content = conn.execute(
                select(document_t.c.content).where(document_t.c.id == document_id)
            ).scalar_one_or_none()
    if content is None:
        raise NotFound("The report is not ready yet: it is made when the screening ends.")
    return Report(report_filename(batch.title, fmt), _REPORT_TYPES[fmt], bytes(content))
