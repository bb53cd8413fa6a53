"""Pages and routes of the web app. Thin: they call `app` services, never the database."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from nicegui import app as web, ui


def register() -> None:
    """Declare the routes once per process (NiceGUI keeps them in module-level state)."""

    @web.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        # Process alive; /readyz (database and broker) comes with the API.
        return JSONResponse({"status": "ok"})

    @ui.page("/", title="Shortlist")
    def index() -> None:
        with ui.column().classes("w-full items-center q-pa-xl"):
            ui.label("Shortlist").classes("text-h4")
            ui.label("Bulk resume screening. The recruiter's pages are on their way.")
