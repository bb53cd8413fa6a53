"""Files sent to the browser: reports and the original resumes, with the headers that
keep them safe (attachment unless a PDF is shown, no sniffing, no shared caching)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from app.recruiting.originals import Original


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def original_response(original: Original) -> Response:
    """An uploaded resume as it came: a PDF in the browser's viewer, anything else as a
    download under its name; never sniffed, never cached by a shared cache."""
    return Response(original.content, media_type=original.content_type, headers={
        "Content-Disposition": content_disposition(
            original.filename, "inline" if original.inline else "attachment"),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })
