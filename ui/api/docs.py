"""Swagger UI (`/api/v1/docs`) and ReDoc (`/api/v1/redoc`) from files the web process serves.

FastAPI's own pages load their scripts from a CDN, which a browser behind a company proxy
or an offline laptop cannot reach (the page stays blank). The `fastapi-offline` package
ships Swagger UI's and ReDoc's built files; they are served under `/api/v1/static-docs/`
and the two pages point at them, so the docs need nothing but this server.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_PATH = "/static-docs"
DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
# validatorUrl None: Swagger UI would otherwise send the document to an outside validator.
SWAGGER_PARAMETERS = {"validatorUrl": None}
# The browser may fetch nothing from another origin: ReDoc's bundle shows its maker's logo
# from their CDN, which this refuses before any request leaves.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
               "worker-src 'self' blob:; connect-src 'self'")


def install_docs(api: FastAPI) -> None:
    """Mount the static files and the two pages; build `api` with docs_url/redoc_url None."""
    api.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static-docs")

    def asset(request: Request, name: str) -> str:
        # root_path is /api/v1 (or /prefix/api/v1 behind a proxy): Dispatch sets it.
        return f"{request.scope.get('root_path', '')}{STATIC_PATH}/{name}"

    def openapi_url(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{api.openapi_url}"

    @api.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return _own_origin_only(get_swagger_ui_html(
            openapi_url=openapi_url(request), title=f"{api.title} - Swagger UI",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            swagger_ui_parameters=SWAGGER_PARAMETERS))

    @api.get(REDOC_PATH, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return _own_origin_only(get_redoc_html(
            openapi_url=openapi_url(request), title=f"{api.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"), with_google_fonts=False))


def _own_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page
