"""`/readyz` and `/metrics`, outside the versioned API (for load balancers and Prometheus)."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.permissions import is_admin
from app.admin import metrics
from app.engine import health
from ui.api.auth import authenticate
from ui.api.config import setting
from ui.api.errors import Unauthorized, error_response


def readyz() -> JSONResponse:
    """200 when the database and the broker answer, else 503 naming what failed."""
    result = health.readiness()
    body = {
        "status": "ready" if result.ok else "not_ready",
        "failed": result.failed,
        "checks": {c.name: {"ok": c.ok, "latency_ms": c.latency_ms, "error": c.error}
                   for c in result.checks},
    }
    return JSONResponse(body, status_code=200 if result.ok else 503,
                        headers={"Cache-Control": "no-store"})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format; needs METRICS_TOKEN or an admin's API token as bearer."""
    token = _bearer(request)
    fixed = setting("metrics_token")
    if not (token and fixed and hmac.compare_digest(token.encode(), str(fixed).encode())):
        try:
            caller = authenticate(token)
        except Unauthorized as exc:
            return error_response(401, exc.code, "Scrape /metrics with METRICS_TOKEN or an"
                                  " admin's API token as a bearer token.",
                                  headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        if not is_admin(caller.user):
            return error_response(403, "permission_denied", "Only an admin can read metrics.")
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})


def register(app: FastAPI) -> None:
    app.add_api_route("/readyz", readyz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
