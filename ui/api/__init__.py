"""The versioned JSON API (`/api/v1`), plus `/readyz` and `/metrics`.

`register(app)` puts a small dispatcher in front of `app`: requests under /api/v1 go to
the API's own FastAPI application, /readyz and /metrics to another, everything else on to
`app` unchanged. So the API's exception handlers, body limits, compression and OpenAPI
document (`/api/v1/openapi.json`; Swagger UI at `/api/v1/docs`, ReDoc at `/api/v1/redoc`,
ui/api/docs.py) apply to it alone, never to the NiceGUI pages, and no page route (not
even a catch-all) can shadow it.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ui.api import (
    account,
    batches,
    candidates,
    health,
    items,
    lanes,
    me,
    openings,
    shares,
    sse,
    tokens,
)
from ui.api.docs import install_docs
from ui.api.errors import install_handlers, reject_unknown_query
from ui.api.models import API_PREFIX
from ui.api.openapi import install_openapi

DESCRIPTION = """\
Bulk resume screening: submit a batch (an opening plus many resumes), follow its progress,
download the ranked shortlist.

Authenticate every request with `Authorization: Bearer <token>`. Errors are JSON:
`{"error": {"code": "...", "message": "..."}}`, where `code` is stable and `message`
is for people.
"""
OPS_PATHS = frozenset({"/readyz", "/metrics"})


def build_api() -> FastAPI:
    api = FastAPI(title="Shortlist API", version="1.0.0", description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                  dependencies=[Depends(reject_unknown_query)])
    api.include_router(batches.router)
    api.include_router(items.router)
    api.include_router(sse.router)
    api.include_router(tokens.router)
    api.include_router(account.router)
    api.include_router(lanes.router)
    api.include_router(openings.router)
    api.include_router(candidates.router)
    api.include_router(me.router)
    api.include_router(shares.router)
    install_handlers(api)
    api.add_middleware(GZipMiddleware, minimum_size=1024)  # never event streams
    install_openapi(api)
    install_docs(api)
    return api


def build_ops() -> FastAPI:
    ops = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    health.register(ops)
    return ops


def _route_path(scope: Scope) -> str:
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root + "/") else path


class Dispatch:
    """Sends /api/v1/... to the API application and /readyz, /metrics to the ops one."""

    def __init__(self, app: ASGIApp, api: ASGIApp, ops: ASGIApp) -> None:
        self.app, self.api, self.ops = app, api, ops

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                root = scope.get("root_path", "")
                child = {**scope, "app_root_path": scope.get("app_root_path", root),
                         "root_path": root + API_PREFIX}
                await self.api(child, receive, send)
                return
            if path in OPS_PATHS:
                await self.ops(scope, receive, send)
                return
        await self.app(scope, receive, send)


def register(app: FastAPI) -> None:
    """Put the API in front of `app`; call before the app starts (it adds a middleware)."""
    app.add_middleware(Dispatch, api=build_api(), ops=build_ops())
