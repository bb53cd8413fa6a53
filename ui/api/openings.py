"""Saved openings: the caller's own openings to start screenings from. Thin: they call
app.recruiting.openings."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict

from app.models import SavedOpening
from app.recruiting import openings
from ui.api.auth import UserDep
from ui.api.models import OpeningIn
from ui.api.openapi import errors_doc

router = APIRouter(tags=["openings"])
OpeningId = Path(ge=1, le=2**31 - 1)


class SavedOpeningIn(OpeningIn):
    """An opening to save. Strict: a JSON `false` is not a number of years."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SavedOpeningOut(BaseModel):
    id: int
    title: str
    opening: OpeningIn
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, saved: SavedOpening) -> SavedOpeningOut:
        return cls(id=saved.id, title=saved.title, opening=OpeningIn(**saved.params),
                   created_at=saved.created_at, updated_at=saved.updated_at)


class SavedOpeningList(BaseModel):
    data: list[SavedOpeningOut]


@router.get("/openings", response_model=SavedOpeningList, summary="List your saved openings",
            description="By title. Start a screening from one by sending its `opening` with"
                        " the resumes (`POST /batches`).",
            responses=errors_doc(401, 403))
def list_openings(user: UserDep) -> SavedOpeningList:
    return SavedOpeningList(data=[SavedOpeningOut.of(o) for o in openings.list_openings(user)])


@router.post("/openings", status_code=201, response_model=SavedOpeningOut,
             summary="Save an opening", responses=errors_doc(400, 401, 403, 413, 422))
def save_opening(user: UserDep, body: SavedOpeningIn) -> SavedOpeningOut:
    return SavedOpeningOut.of(openings.save_opening(user, body.model_dump()))


@router.get("/openings/{opening_id}", response_model=SavedOpeningOut,
            summary="One saved opening", responses=errors_doc(401, 403, 404, 422))
def get_opening(user: UserDep, opening_id: int = OpeningId) -> SavedOpeningOut:
    return SavedOpeningOut.of(openings.get_opening(user, opening_id))


@router.put("/openings/{opening_id}", response_model=SavedOpeningOut,
            summary="Change a saved opening",
            description="Screenings already started from it keep the opening they used.",
            responses=errors_doc(400, 401, 403, 404, 413, 422))
def update_opening(user: UserDep, body: SavedOpeningIn,
                   opening_id: int = OpeningId) -> SavedOpeningOut:
    return SavedOpeningOut.of(openings.update_opening(user, opening_id, body.model_dump()))


@router.delete("/openings/{opening_id}", status_code=204, summary="Delete a saved opening",
               description="Screenings started from it keep the opening they used.",
               responses=errors_doc(401, 403, 404, 422))
def delete_opening(user: UserDep, opening_id: int = OpeningId) -> Response:
    openings.delete_opening(user, opening_id)
    return Response(status_code=204)
