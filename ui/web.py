"""Run the web process (NiceGUI + FastAPI) on HOST:PORT."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nicegui import app as web
from nicegui import ui

from app.errors import ConfigurationError
from app.settings import Settings
from ui import api, auth, live, pages, theme


def setup(
    settings: Settings,
    *,
    on_startup: Sequence[Callable[[], None]] = (),
    on_shutdown: Sequence[Callable[[], None]] = (),
) -> None:
    """Declare routes, the access check and the live-progress hub (before ui.run)."""
    live.hub = live.ProgressHub()
    web.add_middleware(auth.AccessMiddleware)
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
