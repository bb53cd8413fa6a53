"""The caller's own account: `GET /me`. Thin: the user comes from the token (ui/api/auth.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.models import User
from ui.api.auth import UserDep
from ui.api.openapi import errors_doc

router = APIRouter(tags=["account"])


class MeOut(BaseModel):
    id: int
    email: str
    role: Literal["recruiter", "admin", "readonly_admin"]
    plan: Literal["free", "basic", "premium", "enterprise"] = Field(
        description="Picks the default lane and the most resumes per screening.")

    @classmethod
    def of(cls, user: User) -> MeOut:
        return cls(id=user.id, email=user.email, role=user.role, plan=user.plan)


@router.get("/me", response_model=MeOut, summary="Who you are",
            description="The account of the token: email, role and plan. A token works even"
                        " while the account's one-time password waits to be changed on the web.",
            responses=errors_doc(401))
def me(user: UserDep) -> MeOut:
    return MeOut.of(user)
