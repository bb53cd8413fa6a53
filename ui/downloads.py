"""Files sent to the browser: reports and the original resumes, with the headers that
keep them safe (attachment unless a PDF is shown, no sniffing, no shared caching)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from app.recruiting.originals import Original


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(content: bytes, media_type: str, filename: str, *,
                  inline: bool = False) -> Response:
    """A file for the browser: downloaded under its name unless `inline`, never sniffed,
    never cached by a shared cache."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename, "inline" if inline else "attachment"),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })


def original_response(original: Original) -> Response:
    """An uploaded resume as it came: a PDF in the browser's viewer, anything else as a
    download under its name."""
    return file_response(original.content, original.content_type, original.filename,
                         inline=original.inline)
