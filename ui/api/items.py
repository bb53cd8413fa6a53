"""Item routes: one file of a batch with its history, retried or dismissed on its own."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from app.engine import batches, items
from ui.api.auth import UserDep
from ui.api.models import BatchOut, ItemOut
from ui.api.openapi import errors_doc

router = APIRouter(tags=["items"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]


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


class ItemDetailOut(ItemOut):
    batch_id: uuid.UUID
    dismissed_at: datetime | None = Field(description="When a failure was dismissed (left"
                                                      " as it is).")
    history: list[AttemptOut] = Field(description="Every attempt, oldest first. `attempts`"
                                                  " counts those of the current try.")

    @classmethod
    def of_details(cls, details: items.ItemDetails) -> ItemDetailOut:
        base = ItemOut.of(details.item).model_dump()
        return cls(**base, batch_id=details.batch.id,
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
    return ItemDetailOut.of_details(items.item_details(user, item_id))


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
    return ItemDetailOut.of_details(items.item_details(user, item_id))
