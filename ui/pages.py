"""Pages and routes of the web app. Thin: they call `app` services and queries."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from nicegui import Client
from nicegui import app as web
from nicegui.page import page as nicegui_page

from app.errors import NotFound
from app.recruiting import originals, reports
from ui import auth, theme
from ui.downloads import file_response, original_response
from ui.views import (
    account,
    admin,
    batch,
    candidates,
    forgot,
    item,
    new,
    notification_settings,
    screenings,
    shared,
    signin,
)

log = logging.getLogger("shortlist.ui")


def register() -> None:
    """Declare the routes once per process (NiceGUI keeps them in module-level state)."""

    @web.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        # Process alive; /readyz (database and broker) comes with the API.
        return JSONResponse({"status": "ok"})

    @web.get("/screenings/{batch_id}/report.{fmt}", include_in_schema=False)
    def download_report(batch_id: str, fmt: str) -> Response:
        # The middleware already refused anyone signed out; check again, then permission.
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(f"/screenings/{batch_id}"), status_code=303)
        try:
            report = reports.report_document(user, batch_id, fmt)
        except NotFound as exc:
            return PlainTextResponse(exc.message, status_code=404)
        return file_response(report.content, report.content_type, report.filename)

    @web.get("/resumes/{item_id}", include_in_schema=False)
    def open_resume(item_id: str) -> Response:
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url("/"), status_code=303)
        try:
            original = originals.original_file(user, item_id)
        except NotFound as exc:
            return PlainTextResponse(exc.message, status_code=404)
        return original_response(original)

    signin.register()
    forgot.register()
    account.register()
    screenings.register()
    new.register()
    candidates.register()
    batch.register()
    item.register()
    admin.register()
    notification_settings.register()
    shared.register()

    web.on_page_exception(_page_error)
    web.add_exception_handler(404, _not_found)


def _page_error(exception: Exception) -> None:
    # Logged by NiceGUI; the person sees a sentence, never a traceback.
    theme.error_page()


async def _not_found(request: Request, exception: Exception) -> Response:
    if request.url.path.startswith("/_nicegui"):
        return PlainTextResponse("Not found", status_code=404)
    with Client(nicegui_page(""), request=request) as client:
        theme.not_found(None, "We could not find that page.")
    return client.build_response(request, 404)
