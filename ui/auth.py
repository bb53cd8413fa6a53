"""Sessions: who is signed in, the one access check for every request, sign in and out.

The session cookie (signed with STORAGE_SECRET by NiceGUI's session middleware) keys
`app.storage.user`, which holds only the user's id and when their password was set. The
user is loaded from the database on every request and every action, so a deactivated
account, or a session opened before a password reset, is signed out at its next click.
Access is checked three times: here in a middleware with an explicit set of public routes,
again in each page builder (`page_user`), and by the services for every action.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse
from nicegui import app as web
from starlette.middleware.base import BaseHTTPMiddleware

from app.models import User
from app.signin import password_stamp, session_user

SESSION_KEY = "user_id"
STAMP_KEY = "password_stamp"
SIGNIN_PATH = "/signin"
# Everything else needs a session. NiceGUI's own routes (/_nicegui/...: scripts, styles,
# the upload endpoints of elements on already-authorised pages) are public by nature.
# The API, /readyz and /metrics authenticate by bearer token themselves (ui/api).
PUBLIC_PATHS = frozenset({SIGNIN_PATH, "/healthz", "/readyz", "/metrics", "/favicon.ico"})
PUBLIC_PREFIXES = ("/_nicegui/", "/_nicegui_ws/", "/api/")


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) may follow sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith(SIGNIN_PATH):
        return "/"
    return target


def signin_url(next_path: str | None = None) -> str:
    target = safe_next(next_path)
    return SIGNIN_PATH if target == "/" else f"{SIGNIN_PATH}?next={quote(target, safe='/')}"


def current_user() -> User | None:
    """The signed-in, active user of this page or action, loaded fresh; None otherwise.

    A session whose user is gone or deactivated is cleared on the way.
    """
    storage = web.storage.user
    user_id = storage.get(SESSION_KEY)
    if user_id is None:
        return None
    user = session_user(user_id, storage.get(STAMP_KEY))
    if user is None:
        storage.clear()
    return user


def sign_in(user: User) -> None:
    storage = web.storage.user
    storage.clear()
    storage[SESSION_KEY] = user.id
    storage[STAMP_KEY] = password_stamp(user)


def sign_out() -> None:
    web.storage.user.clear()


class AccessMiddleware(BaseHTTPMiddleware):
    """Every route but the public ones needs a signed-in, active user."""

    async def dispatch(self, request: Request, call_next):
        path = request.url.path
        if is_public(path) or current_user() is not None:
            return await call_next(request)
        if request.method in ("GET", "HEAD"):
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(signin_url(target), status_code=303)
        return JSONResponse({"error": "Please sign in."}, status_code=401)
