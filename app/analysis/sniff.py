"""What kind of document a file is, decided by its content and never by its name.

A resume named `cv.pdf` may be a Word file, a text file or a photo; trusting the name
would send bytes to the wrong parser and give the recruiter a confusing error.
"""

from __future__ import annotations

import struct

from . import messages

KINDS = ("pdf", "docx", "zip", "text", "html", "rtf", "unknown")
READABLE_KINDS = frozenset({"pdf", "docx", "text", "html", "rtf"})

# The PDF header may legally follow some junk, which some generators emit.
_PDF_HEADER_WINDOW = 1024
_TEXT_SAMPLE = 64 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_OTHER_ARCHIVES = (b"\x1f\x8b", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"BZh", b"\xfd7zXZ\x00")
# A Word package has a few dozen parts; Word itself never writes thousands.
_MAX_WORD_PARTS = 5000
_PACKAGE_MARKERS = frozenset({b"[Content_Types].xml", b"mimetype", b"META-INF/manifest.xml"})
# Names that promise a document: content that is none of the known kinds is then either a
# damaged file or another file renamed, which is worth saying.
_NAMED_KINDS = {"pdf": "PDF", "docx": "Word file"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<p>")


def detect_type(data: bytes) -> str:
    """One of "pdf", "docx", "zip", "text", "html", "rtf" or "unknown"."""
    if not data:
        return "unknown"
    head = data[:_PDF_HEADER_WINDOW]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(data)
    stripped = _strip_bom(data[:_TEXT_SAMPLE]).lstrip()
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if _looks_like_text(data):
        if stripped.startswith(b"<") and _has_html_marker(stripped[:2048].lower()):
            return "html"
        return "text"
    return "unknown"


def unsupported_reason(data: bytes, name: str = "") -> str:
    """The most helpful message for a file `detect_type` calls "unknown"; `name`, the file's
    name, says more when it claims a PDF or Word file that the content is not."""
    if not data:
        return messages.EMPTY_FILE
    if data.startswith(_OLE2):
        # Office wraps password-protected .docx files in the old compound format too.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return messages.ENCRYPTED_WORD
        return messages.OLD_WORD
    if data.startswith(_IMAGES) or data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return messages.IMAGE
    if data.startswith(_OTHER_ARCHIVES):
        return messages.OTHER_ARCHIVE
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in _NAMED_KINDS:
        return messages.not_what_its_name_says(extension, _NAMED_KINDS[extension])
    return messages.unsupported()


def _zip_kind(data: bytes) -> str:
    """"docx" for a Word package, "unknown" for other office packages, else "zip"."""
    # The names are read from the directory, not through zipfile, which builds an object
    # per entry: an archive of a thousand "Word files" of 5,000 parts each cost 6.6 s.
    listed = zip_entry_names(data, stop_after=_MAX_WORD_PARTS)
    if listed is None:
        # A truncated Word file has no readable directory, but its local headers still name
        # the main part; calling it "docx" lets the reader say "damaged" instead of "zip".
        return "docx" if b"word/document.xml" in data else "zip"
    if len(listed) > _MAX_WORD_PARTS:
        return "zip"  # not Word
    names = set(listed)
    if b"word/document.xml" in names:
        return "docx"
    # Excel, PowerPoint, OpenDocument and EPUB files are ZIPs too, but not archives of
    # resumes: unpacking one would turn its XML parts into "text" documents.
    if names & _PACKAGE_MARKERS:
        return "unknown"
    return "zip"


def _strip_bom(sample: bytes) -> bytes:
    return sample[3:] if sample.startswith(b"\xef\xbb\xbf") else sample


def _has_html_marker(lowered: bytes) -> bool:
    return any(marker in lowered for marker in _HTML_MARKERS)


def _looks_like_text(data: bytes) -> bool:
    """True when the bytes read as text in some common encoding.

    Binary formats are full of NUL and other control bytes; text in any single-byte or
    UTF-8 encoding has almost none. UTF-16 needs its byte order mark to be recognised.
    """
    sample = data[:_TEXT_SAMPLE]
    if sample.startswith(_UTF16_BOMS):
        return len(sample) % 2 == 0 or len(data) > _TEXT_SAMPLE
    if b"\x00" in sample:
        return False
    controls = sum(sample.count(bytes([b])) for b in _CONTROL_BYTES)
    return controls <= len(sample) // 100


def zip_entry_count(data: bytes, *, stop_after: int) -> int | None:
    """How many entries the archive's central directory holds, counted without opening it.

    zipfile builds an object per central-directory record, however many the end record
    declares (a liar declares 1 and holds 400,000). This walks the very records zipfile
    would read, from the same end record, and stops once past `stop_after`, so the cost
    does not grow with the archive. None when there is no directory zipfile could read.
    """
    names = zip_entry_names(data, stop_after=stop_after)
    return None if names is None else len(names)


def zip_entry_names(data: bytes, *, stop_after: int) -> list[bytes] | None:
    """The entries' names as zipfile would see them (undecoded), read as zip_entry_count
    counts them: at most `stop_after` + 1 of them."""
    end = _end_of_directory(data)
    if end is None:
        return None
    directory_end, size = end
    pos = directory_end - size
    if pos < 0:
        return None
    names: list[bytes] = []
    while pos < directory_end:
        if len(names) > stop_after:
            return names
        if pos + 46 > directory_end or data[pos : pos + 4] != b"PK\x01\x02":
            return None
        name, extra, comment = struct.unpack_from("<3H", data, pos + 28)
        names.append(data[pos + 46 : pos + 46 + name].split(b"\x00", 1)[0])  # as zipfile cuts
        pos += 46 + name + extra + comment
    return names


def _end_of_directory(data: bytes) -> tuple[int, int] | None:
    """(where the central directory ends, its size), found the way zipfile finds them."""
    if len(data) < 22:
        return None
    if data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\x00\x00":
        at = len(data) - 22
    else:  # an archive comment follows the end record
        at = data.rfind(b"PK\x05\x06", max(len(data) - 65536 - 22, 0))
        if at < 0 or len(data) - at < 22:
            return None
    size = struct.unpack_from("<L", data, at + 12)[0]
    zip64 = at - 20 - 56  # a Zip64 end record right before its locator holds the real size
    if zip64 >= 0 and data[at - 20 : at - 16] == b"PK\x06\x07" and (
            data[zip64 : zip64 + 4] == b"PK\x06\x06"):
        return zip64, struct.unpack_from("<Q", data, zip64 + 40)[0]
    return at, size


_CONTROL_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13)] + [127]
