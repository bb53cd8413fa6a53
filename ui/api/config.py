"""The API's settings (declared in app.settings) and its fixed body limits."""

from __future__ import annotations

from typing import Any

from app.settings import get_settings

# Bodies of every other request (move, retry, tokens) are a few bytes.
SMALL_BODY_BYTES = 64 * 1024
# Room for the multipart framing and the opening's text fields around the files.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


def setting(name: str) -> Any:
    return getattr(get_settings(), name)
