"""Run the web process (NiceGUI + FastAPI) on HOST:PORT."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from nicegui import app as web
from nicegui import core, ui
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse

from app.errors import ConfigurationError
from app.recruiting import sharing
from app.settings import Settings
from ui import api, auth, live, pages, theme

log = logging.getLogger("shortlist.ui")

# No other site may show these pages in a frame (clickjacking).
FRAMING_HEADERS = ((b"x-frame-options", b"DENY"),
                   (b"content-security-policy", b"frame-ancestors 'none'"))
# A share link's pages and files: the token in the address must not leave in a Referer,
# search engines must not list them, no cache may keep them.
SHARED_HEADERS = ((b"referrer-policy", b"no-referrer"), (b"x-robots-tag", b"noindex"),
                  (b"cache-control", b"no-store"))


def setup(
    settings: Settings,
    *,
    on_startup: Sequence[Callable[[], None]] = (),
    on_shutdown: Sequence[Callable[[], None]] = (),
) -> None:
    """Declare routes, the access check and the live-progress hub (before ui.run)."""
    live.hub = live.ProgressHub()
    web.add_middleware(auth.AccessMiddleware)
    allowed = allowed_origins(settings)
    # Added after the access check, so it runs before it: a foreign origin is refused
    # before anything else looks at the request.
    web.add_middleware(OriginAndFramingMiddleware, allowed=allowed)
    # NiceGUI's socket.io server answers any origin ("*"); only ours, as above.
    core.sio.eio.cors_allowed_origins = lambda origin, environ: origin_allowed(
        origin, environ.get("asgi.scope", {}), allowed)
    auth.check_events()
    # Added after the sign-in check, so it runs before it: bearer-token requests are
    # never redirected to the sign-in page.
    api.register(web)
    pages.register()
    theme.apply_colors()
    # The hub listens before the embedded worker starts, and stops after it.
    web.on_startup(live.hub.start)
    for hook in on_startup:
        web.on_startup(hook)
    for hook in on_shutdown:
        web.on_shutdown(hook)
    web.on_shutdown(live.hub.stop)


def allowed_origins(settings: Settings) -> frozenset[str]:
    """ALLOWED_ORIGINS as a set of `scheme://host[:port]`, lower case."""
    return frozenset(o.strip().rstrip("/").lower()
                     for o in (settings.allowed_origins or "").split(",") if o.strip())


def own_origin(scope: dict) -> str | None:
    """`scheme://host[:port]` of the request itself (the scheme as uvicorn trusts it)."""
    host = Headers(scope=scope).get("host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"),
                                                scope.get("scheme", "http"))
    return f"{scheme}://{host}".lower()


def origin_allowed(origin: str | None, scope: dict, allowed: frozenset[str]) -> bool:
    if not origin:
        return False
    origin = origin.strip().lower()
    return origin == own_origin(scope) or origin in allowed


class OriginAndFramingMiddleware:
    """Refuse other sites' pages on the routes a browser's cookie gives power to, and
    forbid framing on every response.

    Guarded: NiceGUI's socket and upload routes (any method) and every state-changing
    request outside the bearer-token API. A request with a foreign Origin there gets 403
    (a websocket is closed before it opens); one without Origin (not from a browser's
    cross-site script) goes on.
    """

    def __init__(self, app, allowed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        if (origin is not None and self._guarded(scope)
                and not origin_allowed(origin, scope, self.allowed)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = PlainTextResponse("Requests from other sites are not accepted.",
                                         status_code=403)
            response.raw_headers.extend(FRAMING_HEADERS)
            await response(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        shared = scope.get("path", "").startswith(sharing.PATH_PREFIX)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in FRAMING_HEADERS if h[0] not in present
                            or h[0] == b"content-security-policy"]
                if shared:
                    names = {name for name, _ in SHARED_HEADERS}
                    headers = [h for h in headers if h[0].lower() not in names]
                    headers += SHARED_HEADERS
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _guarded(scope) -> bool:
        path = scope.get("path", "")
        if path.startswith("/_nicegui"):
            return True
        if path.startswith("/api/"):
            return False
        return scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD",
                                                                            "OPTIONS")


def warn_about_settings(settings: Settings) -> list[str]:
    """Warnings to print at start (production mode: a real DATABASE_URL)."""
    warnings = []
    if not settings.embedded_database and not settings.session_https_only:
        warnings.append(
            "SESSION_HTTPS_ONLY is not set: the session cookie is also sent over plain HTTP,"
            " where anyone on the network can copy it. Set SESSION_HTTPS_ONLY=true when the"
            " site is served over HTTPS.")
    for warning in warnings:
        log.warning(warning)
    return warnings


def session_options(settings: Settings) -> dict:
    return {"https_only": settings.session_https_only, "max_age": settings.session_max_age_s}


def proxy_options(settings: Settings) -> dict:
    """Trust X-Forwarded-* only from the configured proxies (uvicorn's options)."""
    if not settings.forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def run(
    settings: Settings,
    *,
    storage_secret: str | None,
    on_startup: Sequence[Callable[[], None]] = (),
    on_shutdown: Sequence[Callable[[], None]] = (),
) -> None:
    if not storage_secret:
        raise ConfigurationError(
            "STORAGE_SECRET is not set. It signs the session cookies, so the web process"
            " refuses to start without it outside embedded mode. Set it to a long random"
            " string, the same for every web process."
        )
    warn_about_settings(settings)
    setup(settings, on_startup=on_startup, on_shutdown=on_shutdown)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Shortlist",
        reload=False,
        show=False,
        dark=None,
        storage_secret=storage_secret,
        session_middleware_kwargs=session_options(settings),
        show_welcome_message=False,
        uvicorn_logging_level="warning",
        **proxy_options(settings),
    )
