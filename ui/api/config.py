"""The API's settings, read from app.settings with these defaults until they are declared there."""

from __future__ import annotations

from typing import Any

from app.settings import get_settings

DEFAULTS: dict[str, Any] = {
    # Batch submissions per minute per API token (0: no limit).
    "api_submit_rate_per_minute": 30,
    # Largest JSON body of POST /api/v1/batches (items given as text), in bytes.
    "api_max_json_bytes": 10 * 1024 * 1024,
    # Seconds between keep-alive comments on an event stream.
    "api_sse_keepalive_s": 15.0,
    # Most event streams open at once in one web process.
    "api_sse_max_streams": 1000,
    # A fixed bearer token Prometheus may scrape /metrics with (admins' API tokens work too).
    "metrics_token": None,
}

# Bodies of every other request (move, retry, tokens) are a few bytes.
SMALL_BODY_BYTES = 64 * 1024
# Room for the multipart framing and the opening's text fields around the files.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


def setting(name: str) -> Any:
    return getattr(get_settings(), name, DEFAULTS[name])
