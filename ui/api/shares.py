"""Share link routes: a screening shown read-only to someone outside. Thin: they call
app.recruiting.sharing."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.recruiting import sharing
from ui.api.auth import UserDep
from ui.api.openapi import errors_doc

router = APIRouter(tags=["shares"])


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    days: int = Field(sharing.DEFAULT_DAYS, ge=sharing.MIN_DAYS, le=sharing.MAX_DAYS,
                      description="How long the link works, in days.")
    blind: bool = Field(False, description="Hide names, contact details and files: the"
                                           " candidates are numbered by rank.")


class ShareOut(BaseModel):
    id: int
    batch_id: uuid.UUID
    blind: bool
    created_by: str | None = Field(description="The creator's e-mail.")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool = Field(description="Neither expired nor withdrawn.")
    views: int
    last_viewed_at: datetime | None

    @classmethod
    def of(cls, view: sharing.ShareView) -> ShareOut:
        return cls(id=view.id, batch_id=view.batch_id, blind=view.blind,
                   created_by=view.created_by, created_at=view.created_at,
                   expires_at=view.expires_at, revoked_at=view.revoked_at,
                   active=view.active, views=view.views, last_viewed_at=view.last_viewed_at)


class NewShareOut(BaseModel):
    id: int
    url: str = Field(description="The address to send: anyone with it sees the screening"
                                 " until it expires or is withdrawn.")
    token: str = Field(description="Shown only in this response: only its hash is stored.")
    expires_at: datetime
    blind: bool


class ShareList(BaseModel):
    data: list[ShareOut]


def _site(request: Request) -> str:
    """This site's address as the client reached it (outside the API's own prefix)."""
    root = request.scope.get("app_root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root}"


@router.post("/batches/{batch_id}/shares", status_code=201, response_model=NewShareOut,
             summary="Share a screening by link",
             description="A read-only link to the screening for someone without an account:"
                         " its ranked list, explanations and (unless `blind`) the original"
                         " resumes. The screening's owner and admins.",
             responses=errors_doc(400, 401, 403, 404, 413, 422))
def create_share(batch_id: uuid.UUID, user: UserDep, request: Request,
                 body: ShareIn | None = None) -> NewShareOut:
    body = body or ShareIn()
    new = sharing.create_share(user, batch_id, days=body.days, blind=body.blind)
    return NewShareOut(id=new.link.id, url=_site(request) + sharing.shared_path(new.token),
                       token=new.token, expires_at=new.link.expires_at, blind=new.link.blind)


@router.get("/batches/{batch_id}/shares", response_model=ShareList,
            summary="List a screening's share links",
            description="Newest first, withdrawn and expired ones too; never the tokens.",
            responses=errors_doc(401, 403, 404, 422))
def list_shares(batch_id: uuid.UUID, user: UserDep) -> ShareList:
    return ShareList(data=[ShareOut.of(s) for s in sharing.list_shares(user, batch_id)])


@router.delete("/shares/{share_id}", status_code=204, summary="Withdraw a share link",
               description="The link stops working at once. Withdrawing a withdrawn link"
                           " changes nothing.",
               responses=errors_doc(401, 403, 404, 422))
def revoke_share(user: UserDep, share_id: int = Path(ge=1, le=2**31 - 1)) -> Response:
    sharing.revoke_share(user, share_id)
    return Response(status_code=204)
