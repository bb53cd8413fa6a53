"""Item routes: one file of a batch with its history, retried or dismissed on its own; the
hiring team's decision on its candidate (status, star, tags) and notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from app.engine import batches, items
from app.recruiting import decisions
from ui.api.auth import UserDep
from ui.api.models import BatchOut, ItemOut
from ui.api.openapi import errors_doc

router = APIRouter(tags=["items"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NoteId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AttemptOut(BaseModel):
    number: int = Field(description="1 for the first attempt; a retry of the file starts"
                                    " again at 1.")
    outcome: str = Field(description="done, failed, retrying (failed, sent again),"
                                     " cancelled or handed_back (its worker stopped first;"
                                     " it did not count).")
    worker: str | None = Field(description="The worker process that ran it.")
    lane: str
    started_at: datetime | None
    ended_at: datetime
    duration_s: float | None
    error: str | None
    detail: str | None = Field(description="For admins, an unexpected error's traceback"
                                           " (frames and the error; credentials masked)."
                                           " Null for everyone else.")


class DecisionOut(BaseModel):
    status: Literal["new", "shortlisted", "interview", "on_hold", "rejected"]
    starred: bool
    tags: list[str]
    notes: int = Field(description="How many notes the candidate has.")
    updated_at: datetime | None

    @classmethod
    def of(cls, view: decisions.DecisionView) -> DecisionOut:
        return cls(status=view.status, starred=view.starred, tags=list(view.tags),
                   notes=view.notes, updated_at=view.updated_at)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["new", "shortlisted", "interview", "on_hold", "rejected"] | None = None
    starred: StrictBool | None = None
    tags: list[Annotated[str, StringConstraints(max_length=200)]] | None = Field(
        None, max_length=100, description="Replaces the tags (at most 20 after trimming and"
                                          " removing repeats; 40 characters each).")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=decisions.MAX_NOTE_CHARS)


class NoteOut(BaseModel):
    id: int
    item_id: int
    author: str = Field(description="The author's e-mail.")
    mine: bool = Field(description="Whether the caller wrote it (and so may change it).")
    text: str
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, note: decisions.NoteView, user) -> NoteOut:
        return cls(id=note.id, item_id=note.item_id, author=note.author,
                   mine=note.author_id == user.id, text=note.text,
                   created_at=note.created_at, updated_at=note.updated_at)


class ItemDetailOut(ItemOut):
    batch_id: uuid.UUID
    dismissed_at: datetime | None = Field(description="When a failure was dismissed (left"
                                                      " as it is).")
    history: list[AttemptOut] = Field(description="Every attempt, oldest first. `attempts`"
                                                  " counts those of the current try.")
    decision: DecisionOut = Field(description="The hiring team's status, star, tags.")

    @classmethod
    def of_details(cls, details: items.ItemDetails,
                   decision: decisions.DecisionView) -> ItemDetailOut:
        base = ItemOut.of(details.item).model_dump()
        return cls(**base, batch_id=details.batch.id, decision=DecisionOut.of(decision),
                   dismissed_at=details.item.dismissed_at,
                   history=[AttemptOut(duration_s=a.duration_s, **{
                       k: getattr(a, k) for k in ("number", "outcome", "worker", "lane",
                                                  "started_at", "ended_at", "error",
                                                  "detail")}) for a in details.attempts])


class ItemRetryOut(BaseModel):
    retried: int = Field(description="1: the file will be tried again.")
    batch: BatchOut


@router.get("/items/{item_id}", response_model=ItemDetailOut, summary="Read an item",
            description="One file of a batch, with every attempt made at it. The batch's"
                        " owner and admins only; to anyone else a 404.",
            responses=errors_doc(401, 403, 404, 422))
def read_item(item_id: ItemId, user: UserDep) -> ItemDetailOut:
    return _detail(user, item_id)


def _detail(user, item_id: int) -> ItemDetailOut:
    return ItemDetailOut.of_details(items.item_details(user, item_id),
                                    decisions.decision_of(user, item_id))


@router.post("/items/{item_id}/retry", response_model=ItemRetryOut, summary="Retry an item",
             description="A failed or cancelled file is tried again (a dismissed one too)."
                         " 409 when it did not fail, or failed in a way trying again"
                         " cannot fix (a damaged or locked file).",
             responses=errors_doc(401, 403, 404, 409, 422))
def retry_item(item_id: ItemId, user: UserDep) -> ItemRetryOut:
    count = batches.retry_item(user, item_id)
    details = items.item_details(user, item_id)
    return ItemRetryOut(retried=count, batch=BatchOut.of(details.batch))


@router.post("/items/{item_id}/dismiss", response_model=ItemDetailOut,
             summary="Dismiss a failed item",
             description="Leave a failed file as it is: it leaves the failures view and"
                         " \"retry failed files\". 409 when the file did not fail.",
             responses=errors_doc(401, 403, 404, 409, 422))
def dismiss_item(item_id: ItemId, user: UserDep) -> ItemDetailOut:
    items.dismiss(user, item_id)
    return _detail(user, item_id)


@router.patch("/items/{item_id}", response_model=DecisionOut,
              summary="Decide on a candidate",
              description="Set the candidate's `status` (new, shortlisted, interview, on_hold,"
                          " rejected), `starred` and `tags` in this screening; what is not"
                          " given stays. The screening's owner and admins; read-only admins"
                          " 403; anyone else 404. Every open page of the screening shows it.",
              responses=errors_doc(400, 401, 403, 404, 422))
def decide_item(item_id: ItemId, body: DecisionIn, user: UserDep) -> DecisionOut:
    return DecisionOut.of(decisions.decide(user, item_id, status=body.status,
                                           starred=body.starred, tags=body.tags))


@router.get("/items/{item_id}/notes", response_model=list[NoteOut],
            summary="A candidate's notes", description="Oldest first.",
            responses=errors_doc(401, 403, 404, 422))
def list_notes(item_id: ItemId, user: UserDep) -> list[NoteOut]:
    return [NoteOut.of(n, user) for n in decisions.notes_of(user, item_id)]


@router.post("/items/{item_id}/notes", response_model=NoteOut, status_code=201,
             summary="Add a note to a candidate",
             responses=errors_doc(400, 401, 403, 404, 422))
def add_note(item_id: ItemId, body: NoteIn, user: UserDep) -> NoteOut:
    return NoteOut.of(decisions.add_note(user, item_id, body.text), user)


@router.patch("/notes/{note_id}", response_model=NoteOut, summary="Edit your note",
              description="Its author only (403 for anyone else who can see it).",
              responses=errors_doc(400, 401, 403, 404, 422))
def edit_note(note_id: NoteId, body: NoteIn, user: UserDep) -> NoteOut:
    return NoteOut.of(decisions.edit_note(user, note_id, body.text), user)


@router.delete("/notes/{note_id}", status_code=204, response_class=Response,
               summary="Delete your note", description="Its author only.",
               responses={204: {"description": "Deleted."}, **errors_doc(401, 403, 404, 422)})
def delete_note(note_id: NoteId, user: UserDep) -> Response:
    decisions.delete_note(user, note_id)
    return Response(status_code=204)
