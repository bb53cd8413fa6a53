"""Every API error as `{"error": {"code", "message"}}`: app errors, FastAPI's, and the rest.

Status codes follow the app's error classes (app.errors): invalid input 422 (malformed
syntax 400), too large and over quota 413, not found 404, not allowed 403, conflict 409.
Anything unexpected is logged with its traceback and answered with a generic 500: no
stack trace or internal detail ever reaches a client. Request bodies are limited here too,
before anything reads them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors
from app.db import InvalidCursor
from app.settings import get_settings
from app.units import human_size
from ui.api.config import MULTIPART_OVERHEAD_BYTES, SMALL_BODY_BYTES, setting

log = logging.getLogger("shortlist.api")


# --- Errors only the API raises --------------------------------------------------------


class Unauthorized(errors.ShortlistError):
    """Send your API token as `Authorization: Bearer <token>`."""

    code = "unauthorized"


class RateLimited(errors.ShortlistError):
    """Too many requests. Wait a moment and try again."""

    code = "rate_limited"


class MalformedRequest(errors.InvalidInput):
    """This request could not be read."""

    code = "malformed_request"


class UnsupportedMediaType(errors.InvalidInput):
    """Send JSON (application/json) or files (multipart/form-data)."""

    code = "unsupported_media_type"


class ReportNotReady(errors.Conflict):
    """The report is not ready yet: it is made when the batch ends."""

    code = "report_not_ready"


class Unavailable(errors.ShortlistError):
    """The service is busy. Try again in a moment."""

    code = "unavailable"


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body is read; FastAPI re-raises HTTPExceptions as they are."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"This request is larger than the {human_size(limit)} limit.")


STATUS = [  # most specific first
    (Unauthorized, 401), (RateLimited, 429), (UnsupportedMediaType, 415),
    (MalformedRequest, 400), (InvalidCursor, 400), (errors.TooLarge, 413), (errors.QuotaExceeded, 413),
    (errors.InvalidInput, 422), (errors.NotFound, 404), (errors.PermissionDenied, 403),
    (errors.Conflict, 409), (errors.DocumentError, 422), (errors.TransientError, 503),
    (Unavailable, 503), (errors.ConfigurationError, 500),
]
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "permission_denied",
              404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "invalid_input", 429: "rate_limited"}
GENERIC_500 = ("Something went wrong on our side. It has been logged; please try again"
               " later, and tell us if it keeps happening.")


def status_of(exc: errors.ShortlistError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_response(status: int, code: str, message: str, *,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _shortlist_error(request: Request, exc: errors.ShortlistError) -> JSONResponse:
    status = status_of(exc)
    if status >= 500:
        log.error("API %s %s failed: %s", request.method, request.url.path, exc.message)
        if status == 500:
            return error_response(500, "internal_error", GENERIC_500)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="shortlist"'
    retry_after = exc.details.get("retry_after_s")
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    details = exc.details.get("items")
    return error_response(status, exc.code, exc.message, details=details, headers=headers)


def validation_details(errors_: list[Any]) -> list[dict[str, Any]]:
    """Where and what, never the input itself (it may be large, or secret)."""
    out = []
    for error in errors_[:50]:
        loc = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
        out.append({"loc": loc, "message": str(error.get("msg", "")),
                    "type": str(error.get("type", ""))})
    return out


def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    return error_response(422, "validation_error", _summary(problems),
                          details=validation_details(problems))


def _summary(problems: list[Any]) -> str:
    if not problems:
        return "This request is not valid."
    first = problems[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body",))
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return f"{where or 'request'}: {first.get('msg', 'is not valid')}{more}"


def pydantic_error(exc: ValidationError, prefix: str = "body") -> errors.InvalidInput:
    """A ValidationError of a body we parse ourselves, as InvalidInput with details."""
    problems = [{**p, "loc": (prefix, *p.get("loc", ()))} for p in exc.errors()]
    error = errors.InvalidInput(_summary(problems), items=validation_details(problems))
    error.code = "validation_error"
    return error


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    code = HTTP_CODES.get(status, "error" if status < 500 else "internal_error")
    if status >= 500:
        return error_response(status, code, GENERIC_500)
    message = exc.detail if isinstance(exc.detail, str) else "This request is not valid."
    if status == 404 and message == "Not Found":
        message = "There is nothing at this address."
    elif status == 405:
        message = f"{request.method} is not allowed here."
    return error_response(status, code, message, headers=dict(exc.headers or {}) or None)


def install_handlers(api: FastAPI) -> None:
    api.add_exception_handler(errors.ShortlistError, _shortlist_error)
    api.add_exception_handler(RequestValidationError, _request_validation)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    # Whatever escapes the handlers becomes a logged, generic 500 (nothing is re-raised);
    # the body limit (added last, so outermost) answers before anything reads the body.
    api.add_middleware(CatchAllMiddleware)
    api.add_middleware(BodyLimitMiddleware)


# --- Middleware ------------------------------------------------------------------------


class CatchAllMiddleware:
    """Logs an unexpected exception with its traceback and answers a generic 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:  # noqa: BLE001  (the point of this middleware)
            log.exception("API %s %s failed", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, "internal_error", GENERIC_500)(scope, receive, send)


# A submission, and resumes added to a batch (/batches/{id}/items).
_ADDS_RESUMES = re.compile(r"/batches(/[^/]+/items)?")


def body_limit(scope: Scope) -> int:
    """Bytes a request may send: the upload limit for a submission's files, less elsewhere."""
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    if scope.get("method") == "POST" and _ADDS_RESUMES.fullmatch(path.rstrip("/")):
        content_type = _header(scope, b"content-type").lower()
        if content_type.startswith("multipart/"):
            return get_settings().max_upload_bytes + MULTIPART_OVERHEAD_BYTES
        return int(setting("api_max_json_bytes"))
    return SMALL_BODY_BYTES


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


class BodyLimitMiddleware:
    """Refuses a body over its limit: at once by Content-Length, else while it streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope)
        declared = _header(scope, b"content-length")
        if declared:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                response = error_response(400, "bad_request", "Content-Length is not valid.")
                await response(scope, receive, send)
                return
            if size > limit:
                response = error_response(
                    413, "too_large", f"This request is larger than the {human_size(limit)} limit.")
                await response(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


# --- Unknown query parameters ----------------------------------------------------------


class UnknownParameter(errors.InvalidInput):
    """This request has a query parameter this endpoint does not know."""

    code = "unknown_parameter"


_query_names: dict[int, frozenset[str]] = {}


def _declared_query(route) -> frozenset[str]:
    names = _query_names.get(id(route))
    if names is None:
        found: set[str] = set()
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            found.update(field.alias for field in dependant.query_params)
            stack.extend(dependant.dependencies)
        names = _query_names[id(route)] = frozenset(found)
    return names


def reject_unknown_query(request: Request) -> None:
    """A misspelt filter (`?stauts=done`) is an error, not a silently unfiltered list."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    unknown = sorted(set(request.query_params.keys()) - _declared_query(route))
    if unknown:
        known = ", ".join(sorted(_declared_query(route))) or "none"
        raise UnknownParameter(f"Unknown query parameter {unknown[0]!r} (this endpoint takes:"
                               f" {known}).")
