"""Token routes: the caller's own API tokens. Thin: they call app.accounts.tokens."""

from __future__ import annotations

from fastapi import APIRouter, Path

from app.accounts import tokens
from ui.api.auth import UserDep
from ui.api.models import NewTokenOut, TokenIn, TokenListOut, TokenOut
from ui.api.openapi import errors_doc

router = APIRouter(tags=["tokens"])


@router.post("/tokens", status_code=201, response_model=NewTokenOut,
             summary="Create an API token",
             description="The new token is in `token`, shown only in this response: only"
                         " its hash is stored.",
             responses=errors_doc(400, 401, 409, 422))
def create_token(user: UserDep, body: TokenIn | None = None) -> NewTokenOut:
    info, token = tokens.issue(user, body.name if body else "")
    return NewTokenOut(**TokenOut.of(info).model_dump(), token=token)


@router.get("/tokens", response_model=TokenListOut, summary="List your API tokens",
            description="Newest first, revoked ones too; never the tokens themselves.",
            responses=errors_doc(401, 403))
def list_tokens(user: UserDep) -> TokenListOut:
    return TokenListOut(data=[TokenOut.of(t) for t in tokens.list_tokens(user)])


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke an API token",
               description="Requests with the token are refused from now on. Revoking a"
                           " revoked token changes nothing.",
               responses=errors_doc(401, 403, 404, 422))
def revoke_token(user: UserDep, token_id: int = Path(ge=1, le=2**31 - 1)) -> TokenOut:
    return TokenOut.of(tokens.revoke(user, token_id))
