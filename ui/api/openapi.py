"""The OpenAPI document: FastAPI's, plus the two hand-parsed submission bodies."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ui.api.models import (
    SUBMIT_FORM_SCHEMA,
    AddItemsJson,
    ErrorBody,
    ProgressEvent,
    SubmitJson,
)

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad cursor, unreadable form).",
    401: "No API token, or not a valid one.",
    403: "Not allowed for your account.",
    404: "Not found (another user's batch looks exactly like a missing one).",
    409: "Not possible in the batch's current state.",
    413: "Too large, or over your plan's quota.",
    415: "Unsupported content type.",
    422: "Invalid input.",
    429: "Too many requests: wait `Retry-After` seconds.",
    503: "Not ready, or too busy.",
}


def errors_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` entries of a route's error statuses: all share the error body."""
    return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
            for status in statuses}


def install_openapi(api: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        schema = get_openapi(title=api.title, version=api.version,
                             description=api.description, routes=api.routes,
                             servers=api.servers)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (SubmitJson, AddItemsJson):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = body
        components["SubmitForm"] = SUBMIT_FORM_SCHEMA
        event = ProgressEvent.model_json_schema(ref_template="#/components/schemas/{model}",
                                                mode="serialization")
        for name, definition in event.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["ProgressEvent"] = event
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]
