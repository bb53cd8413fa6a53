"""Run the web process (NiceGUI + FastAPI) on HOST:PORT."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import app as web, ui

from app.errors import ConfigurationError
from app.settings import Settings
from ui import pages


def run(
    settings: Settings,
    *,
    storage_secret: str | None,
    on_startup: list[Callable[[], None]] = (),
    on_shutdown: list[Callable[[], None]] = (),
) -> None:
    if not storage_secret:
        raise ConfigurationError(
            "STORAGE_SECRET is not set. It signs the session cookies, so the web process"
            " refuses to start without it outside embedded mode. Set it to a long random"
            " string, the same for every web process."
        )
    pages.register()
    for hook in on_startup:
        web.on_startup(hook)
    for hook in on_shutdown:
        web.on_shutdown(hook)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Shortlist",
        reload=False,
        show=False,
        storage_secret=storage_secret,
        show_welcome_message=False,
        uvicorn_logging_level="warning",
    )
