"""Who is calling: `Authorization: Bearer <token>`, checked against app.accounts.users on every request.

The token is looked up by its SHA-256 (app.accounts.users.user_for_token); an unknown or revoked
token, or one whose account is deactivated, is a 401 with `WWW-Authenticate: Bearer`.
What the caller may then do is decided by the services (app.accounts.permissions), as in the UI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.accounts import users
from app.models import User
from ui.api.errors import Unauthorized

bearer = HTTPBearer(
    auto_error=False, scheme_name="token",
    description="An API token (`sl_...`): from the web app's account page (/account),"
                " `python -m app create-token EMAIL`, or POST /api/v1/tokens with a token"
                " you already have.",
)


@dataclass(frozen=True)
class Caller:
    user: User
    # SHA-256 of the token: what per-token rate limits count by.
    token_hash: str


def authenticate(token: str | None) -> Caller:
    if not token:
        raise Unauthorized()
    token = token.strip()
    user = users.user_for_token(token) if len(token) <= 200 else None
    if user is None:
        raise Unauthorized("This API token is not valid: it is unknown or revoked, or its"
                           " account is deactivated.")
    return Caller(user, hashlib.sha256(token.encode()).hexdigest())


def current_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    return authenticate(credentials.credentials if credentials else None)


def current_user(caller: Annotated[Caller, Depends(current_caller)]) -> User:
    return caller.user


CallerDep = Annotated[Caller, Depends(current_caller)]
UserDep = Annotated[User, Depends(current_user)]
