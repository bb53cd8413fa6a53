"""Sessions: who is signed in, the one access check for every request, sign in and out.

The session cookie (signed with STORAGE_SECRET by NiceGUI's session middleware) carries a
random session id, which keys `app.storage.user`; that holds only the user's id and when
their password was set. The user is loaded from the database on every request and every
action, so a deactivated account, or a session opened before a password reset, is signed
out at its next click.

Access is checked by the middleware here (explicit public routes; NiceGUI's upload routes
need the page's signed-in session), before every event a page's browser sends over its
socket (`check_events`), in each page builder, and by the services for every action.

Signing in and out starts a new session id, over plain HTTP (the only place a cookie can be
set): the sign-in form, checked over the socket, hands a single-use ticket to
/signin/complete (app/signin_tickets.py); sign-out empties the session and /signout gives
the browser a new id. A session id seen before signing in, or copied before signing out,
never reads a signed-in page.
"""

from __future__ import annotations

import re
import uuid
import weakref
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse
from nicegui import Client, core, ui
from nicegui import app as web
from nicegui.persistence import RedisPersistentDict
from nicegui.storage import request_contextvar
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.routing import Route

from app.accounts import signin_tickets
from app.accounts.signin import password_stamp, session_user
from app.models import User
from app.settings import get_settings

SESSION_KEY = "user_id"
STAMP_KEY = "password_stamp"
SIGNIN_PATH = "/signin"
SIGNIN_COMPLETE_PATH = "/signin/complete"
SIGNOUT_PATH = "/signout"
ACCOUNT_PATH = "/account"
FORGOT_PATH = "/forgot-password"
RESET_PATH = "/reset-password"
# Everything else needs a session. NiceGUI's own routes (/_nicegui/...: scripts, styles)
# are public by nature; its upload routes are checked against their page below.
# The API, /readyz and /metrics authenticate by bearer token themselves (ui/api).
PUBLIC_PATHS = frozenset({SIGNIN_PATH, SIGNIN_COMPLETE_PATH, SIGNOUT_PATH, FORGOT_PATH,
                          RESET_PATH, "/healthz", "/readyz", "/metrics", "/favicon.ico"})
# A share link's page and files (/shared/<token>...): the token is the key, checked by
# app.recruiting.sharing on every request and event.
PUBLIC_PREFIXES = ("/_nicegui/", "/_nicegui_ws/", "/api/", "/shared/")
_UPLOAD = re.compile(r"^/_nicegui/client/([^/]+)/upload/")
# Never a place to go after signing in: NiceGUI's and the API's routes, sign in and out.
_NOT_PAGES = ("/_nicegui", "/api/", SIGNIN_PATH, SIGNOUT_PATH, FORGOT_PATH, RESET_PATH,
              "/healthz", "/readyz", "/metrics")
# Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
# "/\t/evil.example" or "/\\evil.example" would leave the site.
_UNSAFE_CHAR = re.compile(r"[\x00-\x20\x7f-\x9f\\]|\s")
# Pages whose browser is on its way to /signout.
_signing_out: weakref.WeakSet[Client] = weakref.WeakSet()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def safe_next(target: str | None) -> str:
    """`target` if it is a page of this site, written plainly; "/" otherwise.

    Plainly: printable ASCII without spaces or backslashes, one leading slash (also after
    decoding: no "//host", no "/%2F"), and the path of a page this app serves.
    """
    if not target or len(target) > 2000 or not target.isascii() or _UNSAFE_CHAR.search(target):
        return "/"
    path = target.split("#", 1)[0].split("?", 1)[0]
    decoded = path
    for _ in range(3):  # "%252F" is "%2F" once decoded, then "/"
        decoded = unquote(decoded)
    for form in (path, decoded):
        if not form.startswith("/") or form.startswith("//") or _UNSAFE_CHAR.search(form):
            return "/"
    return target if _is_page(decoded) else "/"


def _is_page(path: str) -> bool:
    if path == "/":
        return True
    if path.startswith(_NOT_PAGES):
        return False
    for route in web.routes:
        if (isinstance(route, Route) and "GET" in (route.methods or ())
                and route.path_regex.match(path)):
            return True
    return False


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


# --- Signing in and out ----------------------------------------------------------------

def _page_request() -> Request | None:
    """The HTTP request the current page was loaded with: its session is the page's."""
    return ui.context.client.request


async def signin_ticket_url(user: User, target: str) -> str:
    """Where the sign-in form sends the browser once the password was right: the route
    that starts the signed-in session. Call from the sign-in page's handler."""
    request = _page_request()
    session_id = request.session.get("id", "") if request is not None else ""
    ticket = await run_in_threadpool(signin_tickets.issue, user.id, password_stamp(user),
                                     session_id, safe_next(target))
    return f"{SIGNIN_COMPLETE_PATH}?ticket={ticket}"


def keep_signed_in(user: User) -> None:
    """After this session changed the password: take the new stamp, so this session stays
    signed in while every other one (with the old stamp) is signed out at its next click.
    `user` as stored now (its `password_changed_at` read back from the database)."""
    token = request_contextvar.set(_page_request())
    try:
        web.storage.user[STAMP_KEY] = password_stamp(user)
    finally:
        request_contextvar.reset(token)


def sign_out() -> str:
    """Empty this session at once (a copy of its cookie reads nothing from now on); return
    the route that gives the browser a new session id."""
    token = request_contextvar.set(_page_request())
    try:
        web.storage.user.clear()
    finally:
        request_contextvar.reset(token)
    # Its late events (a menu closing) must not send it to /signin instead: the browser
    # would drop the new session id /signout is about to give it.
    _signing_out.add(ui.context.client)
    return SIGNOUT_PATH


async def _new_session(request: Request, user: User | None) -> None:
    """Empty the current session and move the browser to a new, random session id."""
    web.storage.user.clear()
    new_id = str(uuid.uuid4())
    request.session["id"] = new_id
    await web.storage._create_user_storage(new_id)  # noqa: SLF001  (NiceGUI keys storage by id)
    if user is not None:
        storage = web.storage.user
        if isinstance(storage, RedisPersistentDict):  # gone with the cookie, not kept forever
            storage.ttl = get_settings().session_max_age_s
        storage[SESSION_KEY] = user.id
        storage[STAMP_KEY] = password_stamp(user)


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def register_routes() -> None:
    @web.get(SIGNIN_COMPLETE_PATH, include_in_schema=False)
    async def complete_sign_in(request: Request, ticket: str = "") -> RedirectResponse:
        grant = await run_in_threadpool(signin_tickets.redeem, ticket, request.session.get("id"))
        user = None
        if grant is not None:
            user = await run_in_threadpool(session_user, grant.user_id, grant.stamp)
        if user is None:  # unknown, used, late, from another browser, or the user changed
            return _no_store(RedirectResponse(f"{SIGNIN_PATH}?again=1", status_code=303))
        await _new_session(request, user)
        return _no_store(RedirectResponse(safe_next(grant.next_path), status_code=303))

    @web.get(SIGNOUT_PATH, include_in_schema=False)
    async def complete_sign_out(request: Request) -> RedirectResponse:
        # Only an already emptied session gets its new id: a link from another site cannot
        # sign anyone out.
        if await run_in_threadpool(_signed_in_user_id) is not None:
            return _no_store(RedirectResponse("/", status_code=303))
        await _new_session(request, None)
        return _no_store(RedirectResponse(SIGNIN_PATH, status_code=303))


def _signed_in_user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


# --- Every event re-checks the session -------------------------------------------------

def event_allowed(client: Client) -> bool:
    """Whether the browser of this page may still act on it: a public page, or a session
    that is still signed in (not signed out, not deactivated, password not reset)."""
    request = client.request
    if request is None:
        return False
    if is_public(request.url.path):
        return True
    token = request_contextvar.set(request)
    try:
        return current_user() is not None
    except (AssertionError, KeyError):  # its session storage is gone
        return False
    finally:
        request_contextvar.reset(token)


def _on_event(_sid: str, msg: dict) -> None:
    # NiceGUI's own handler (nicegui.py `_on_event`), with the session checked first.
    client = Client.instances.get(msg.get("client_id"))
    if not client or not client.has_socket_connection:
        return
    if not event_allowed(client):
        if client in _signing_out:
            return
        with client:
            ui.navigate.to(signin_url(client.request.url.path if client.request else "/"))
        return
    client.handle_event(msg)


def check_events() -> None:
    """Route every browser event through the session check (replaces NiceGUI's handler)."""
    core.sio.on("event", _on_event)


class AccessMiddleware(BaseHTTPMiddleware):
    """Every route but the public ones needs a signed-in, active user; an upload needs the
    signed-in session of the page it uploads to."""

    async def dispatch(self, request: Request, call_next):
        path = request.url.path
        upload = _UPLOAD.match(path)
        if upload:
            if _upload_allowed(request, upload.group(1)):
                return await call_next(request)
            return JSONResponse({"error": "Please sign in."}, status_code=401)
        if is_public(path):
            return await call_next(request)
        user = current_user()
        if user is not None and user.must_change_password and path != ACCOUNT_PATH:
            # A one-time password: nothing else until the person has chosen their own.
            if request.method in ("GET", "HEAD"):
                return RedirectResponse(must_change_url(path, request.url.query),
                                        status_code=303)
            return JSONResponse({"error": "Please choose a new password first."},
                                status_code=403)
        if user is not None:
            return await call_next(request)
        if request.method in ("GET", "HEAD"):
            target = quote(path, safe="/") + (f"?{request.url.query}" if request.url.query
                                              else "")
            return RedirectResponse(signin_url(target), status_code=303)
        return JSONResponse({"error": "Please sign in."}, status_code=401)


def must_change_url(path: str, query: str = "") -> str:
    """The change-password page, returning to `path` afterwards (if it is a page)."""
    target = safe_next(quote(path, safe="/") + (f"?{query}" if query else ""))
    return ACCOUNT_PATH if target == "/" else f"{ACCOUNT_PATH}?next={quote(target, safe='/')}"


def _upload_allowed(request: Request, client_id: str) -> bool:
    client = Client.instances.get(client_id)
    if client is None or client.request is None:
        return True  # NiceGUI answers 404
    if is_public(client.request.url.path):
        return True
    if client.request.session.get("id") != request.session.get("id"):
        return False
    return current_user() is not None
