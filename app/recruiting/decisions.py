"""The hiring team's decisions on a screening's candidates: a status, a star, tags and
notes per item. Kept in `decision` and `note`, never on the item row (workers update it).

Who may read or change them is the screening's rule (app.accounts.permissions): its
owner and admins change them, read-only admins read them, anyone else gets 404. A note
is edited or deleted by its author only. Each change is published so every open page of
the screening shows it (app.engine.events, type "decision").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.permissions import check_act, check_read
from app.db import get_engine
from app.engine import events
from app.engine.kinds import FinishedItem, get_kind
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.models import Batch, CandidateStatus, Decision, Item, Note, User, utcnow

decision_t, note_t, item_t, batch_t, user_t = (
    Decision.__table__, Note.__table__, Item.__table__, Batch.__table__, User.__table__)

MAX_TAGS = 20
MAX_TAG_CHARS = 40
MAX_NOTE_CHARS = 5_000
NOT_FOUND = "We could not find that candidate."
NOTE_NOT_FOUND = "We could not find that note."
STATUS_WORDS = {
    "new": "New", "shortlisted": "Shortlisted", "interview": "Interview",
    "on_hold": "On hold", "rejected": "Rejected",
}


@dataclass(frozen=True)
class DecisionView:
    item_id: int
    status: str = CandidateStatus.new.value
    starred: bool = False
    tags: tuple[str, ...] = ()
    notes: int = 0
    updated_at: datetime | None = None


@dataclass(frozen=True)
class NoteView:
    id: int
    item_id: int
    author_id: int | None
    author: str  # the author's e-mail, or "a deleted account"
    text: str
    created_at: datetime
    updated_at: datetime | None


def _item_and_batch(conn, item_id: int) -> tuple[int, Batch | None]:
    if not 1 <= item_id < 2**63:
        return item_id, None
    row = conn.execute(select(batch_t).join(item_t, item_t.c.batch_id == batch_t.c.id)
                       .where(item_t.c.id == item_id)).mappings().first()
    return item_id, (Batch(**row) if row is not None else None)


def _checked(conn, user: User, item_id: int, check) -> Batch:
    _, batch = _item_and_batch(conn, item_id)
    try:
        return check(user, batch)
    except NotFound:
        raise NotFound(NOT_FOUND) from None


def normalize_tags(tags: list[str]) -> tuple[str, ...]:
    """Trimmed, inner spaces collapsed, case-insensitively unique, in the order given."""
    seen: dict[str, str] = {}
    for raw in tags:
        if not isinstance(raw, str):
            raise InvalidInput("A tag is a piece of text.")
        tag = re.sub(r"\s+", " ", raw).strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise InvalidInput(f"A tag has at most {MAX_TAG_CHARS} characters: “{tag[:20]}…”"
                               " is longer.")
        seen.setdefault(tag.casefold(), tag)
    if len(seen) > MAX_TAGS:
        raise InvalidInput(f"A candidate has at most {MAX_TAGS} tags.")
    return tuple(seen.values())


def _publish(batch_id: uuid.UUID, item_id: int) -> None:
    events.publish_now({"type": "decision", "batch_id": str(batch_id), "item_id": item_id})


def _view(row, notes: int = 0) -> DecisionView:
    return DecisionView(item_id=row.item_id, status=row.status, starred=row.starred,
                        tags=tuple(row.tags or ()), notes=notes, updated_at=row.updated_at)


def decide(user: User, item_id: int, *, status: str | None = None,
           starred: bool | None = None, tags: list[str] | None = None) -> DecisionView:
    """Change what is given (the rest stays); returns the decision now."""
    if status is not None and status not in STATUS_WORDS:
        raise InvalidInput(f"The status is one of: {', '.join(STATUS_WORDS)}.")
    clean_tags = normalize_tags(tags) if tags is not None else None
    now = utcnow()
    with get_engine().begin() as conn:
        batch = _checked(conn, user, item_id, check_act)
        values = {"status": status, "starred": starred,
                  "tags": list(clean_tags) if clean_tags is not None else None}
        given = {k: v for k, v in values.items() if v is not None}
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        statement = insert(decision_t).values(
            item_id=item_id, batch_id=batch.id, status=status or CandidateStatus.new.value,
            starred=bool(starred), tags=list(clean_tags or ()), updated_at=now,
            updated_by=user.id)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["item_id"], set_={**given, "updated_at": now, "updated_by": user.id}))
        row = conn.execute(select(decision_t).where(decision_t.c.item_id == item_id)).one()
        notes = _note_counts(conn, [item_id]).get(item_id, 0)
    _publish(batch.id, item_id)
    return _view(row, notes)


def _note_counts(conn, item_ids: list[int]) -> dict[int, int]:
    return dict(conn.execute(select(note_t.c.item_id, func.count()).where(
        note_t.c.item_id.in_(item_ids)).group_by(note_t.c.item_id)).all())


def decision_of(user: User, item_id: int) -> DecisionView:
    with get_engine().connect() as conn:
        _checked(conn, user, item_id, check_read)
        row = conn.execute(select(decision_t).where(decision_t.c.item_id == item_id)).first()
        notes = _note_counts(conn, [item_id]).get(item_id, 0)
    return _view(row, notes) if row is not None else DecisionView(item_id, notes=notes)


def decisions_of_batch(conn, batch_id: uuid.UUID) -> dict[int, DecisionView]:
    """Every decision of a batch whose reader was checked already (the shortlist, reports):
    {item id: decision}; items without one are absent (status new)."""
    counts = dict(conn.execute(
        select(note_t.c.item_id, func.count())
        .where(note_t.c.batch_id == batch_id).group_by(note_t.c.item_id)).all())
    found = {row.item_id: _view(row, counts.get(row.item_id, 0)) for row in conn.execute(
        select(decision_t).where(decision_t.c.batch_id == batch_id))}
    for item_id, n in counts.items():
        found.setdefault(item_id, DecisionView(item_id, notes=n))
    return found


def batch_decisions(user: User, batch_id: uuid.UUID) -> dict[int, DecisionView]:
    with get_engine().connect() as conn:
        batch = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).mappings().first()
        check_read(user, Batch(**batch) if batch is not None else None)
        return decisions_of_batch(conn, batch_id)


# --- Notes ---------------------------------------------------------------------------------


def _note_views(conn, where) -> list[NoteView]:
    rows = conn.execute(
        select(note_t, user_t.c.email).outerjoin(user_t, user_t.c.id == note_t.c.author_id)
        .where(where).order_by(note_t.c.id)).all()
    return [NoteView(id=r.id, item_id=r.item_id, author_id=r.author_id,
                     author=r.email or "a deleted account", text=r.text,
                     created_at=r.created_at, updated_at=r.updated_at) for r in rows]


def _note_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write something in the note first.")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(f"A note has at most {MAX_NOTE_CHARS:,} characters.")
    return text


def notes_of(user: User, item_id: int) -> list[NoteView]:
    """A candidate's notes, oldest first."""
    with get_engine().connect() as conn:
        _checked(conn, user, item_id, check_read)
        return _note_views(conn, note_t.c.item_id == item_id)


def add_note(user: User, item_id: int, text: str) -> NoteView:
    text = _note_text(text)
    with get_engine().begin() as conn:
        batch = _checked(conn, user, item_id, check_act)
        note_id = conn.execute(note_t.insert().values(
            item_id=item_id, batch_id=batch.id, author_id=user.id, text=text,
            created_at=utcnow()).returning(note_t.c.id)).scalar_one()
        [view] = _note_views(conn, note_t.c.id == note_id)
    _publish(batch.id, item_id)
    return view


def _own_note(conn, user: User, note_id: int):
    row = conn.execute(select(note_t).where(note_t.c.id == note_id)).first() \
        if 1 <= note_id < 2**31 else None
    if row is None:
        raise NotFound(NOTE_NOT_FOUND)
    try:
        batch = _checked(conn, user, row.item_id, check_act)
    except NotFound:
        raise NotFound(NOTE_NOT_FOUND) from None
    if row.author_id != user.id:
        raise PermissionDenied("Only its author can change a note.")
    return row, batch


def edit_note(user: User, note_id: int, text: str) -> NoteView:
    text = _note_text(text)
    with get_engine().begin() as conn:
        row, batch = _own_note(conn, user, note_id)
        conn.execute(update(note_t).where(note_t.c.id == note_id).values(
            text=text, updated_at=utcnow()))
        [view] = _note_views(conn, note_t.c.id == note_id)
    _publish(batch.id, row.item_id)
    return view


def delete_note(user: User, note_id: int) -> None:
    with get_engine().begin() as conn:
        row, batch = _own_note(conn, user, note_id)
        conn.execute(delete(note_t).where(note_t.c.id == note_id))
    _publish(batch.id, row.item_id)


# --- Reports -----------------------------------------------------------------------------


def has_any(conn, batch_id: uuid.UUID) -> bool:
    """Whether anyone decided on or noted a candidate of the batch (its stored reports,
    made when it finished, then lack the hiring team's columns)."""
    return conn.execute(select(decision_t.c.item_id).where(decision_t.c.batch_id == batch_id)
                        .limit(1)).first() is not None or conn.execute(
        select(note_t.c.id).where(note_t.c.batch_id == batch_id).limit(1)).first() is not None


def report_columns(conn, batch_id: uuid.UUID) -> dict[int, tuple]:
    """{item id: (status, starred, tags, notes)} as the report writes them, for every item
    with a decision or a note."""
    notes: dict[int, list[str]] = {}
    for note in _note_views(conn, note_t.c.batch_id == batch_id):
        notes.setdefault(note.item_id, []).append(f"{note.text} ({note.author})")
    found: dict[int, tuple] = {}
    for item_id, view in decisions_of_batch(conn, batch_id).items():
        found[item_id] = (STATUS_WORDS.get(view.status, view.status),
                          "yes" if view.starred else None,
                          "; ".join(view.tags) or None,
                          " | ".join(notes.get(item_id, ())) or None)
    return found


def report_with_team(conn, batch: Batch, fmt: str) -> bytes | None:
    """The report as the batch's kind writes it when it finishes, with the hiring team's
    status, star, tags and notes as they are now."""
    kind = get_kind(batch.kind)
    if kind.build_reports is None:
        return None
    team = report_columns(conn, batch.id)
    undecided = (STATUS_WORDS[CandidateStatus.new.value], None, None, None)
    finished = [FinishedItem(seq=r.seq, name=r.name, status=r.status, error=r.error,
                             score=r.score, result=r.result,
                             team=team.get(r.id, undecided))
                for r in conn.execute(
                    select(item_t.c.id, item_t.c.seq, item_t.c.name, item_t.c.status,
                           item_t.c.error, item_t.c.score, item_t.c.result)
                    .where(item_t.c.batch_id == batch.id).order_by(item_t.c.seq))]
    suffix = f".{fmt}"
    for report in kind.build_reports(batch.params, finished):
        if report.filename.endswith(suffix):
            return report.content
    return None
