"""Text out of a document: PDF, Word, plain text, HTML or RTF, chosen by content.

Every permanent failure is a DocumentError whose message the recruiter can act on, and the
parsing runs under a time limit so one pathological file cannot hold a worker.
"""

from __future__ import annotations

import codecs
import io
import re

from charset_normalizer import from_bytes
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from app.analysis.errors import DocumentError

from . import messages
from .markup import html_to_text, rtf_to_text
from .sniff import detect_type, unsupported_reason
from .text import clean
from .timelimit import run_with_time_limit
from .word import extract_docx

# Fewer letters than this on every page of a PDF means the pages are pictures of text.
MIN_LETTERS_IN_PDF = 20
# The most text kept of one resume. A long resume is 10-20 pages, about 60,000 characters;
# beyond this a file is a thesis, a book or an attack, and the text is cut (see `cap_text`).
MAX_TEXT_CHARS = 200_000
# A partial word at the cut: whitespace, then no whitespace up to the end.
_PARTIAL_WORD = re.compile(r"\s+\S*\Z")


def extract_text(
    data: bytes,
    *,
    time_limit_s: float = 20.0,
    max_pages: int = 200,
    max_bytes: int | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> str:
    """The text of a document, tidied (see `text.clean`); raises DocumentError.

    `max_pages` bounds how much of a PDF is read and `max_chars` how much text is kept (the
    rest is ignored: a resume's substance is at the start); `max_bytes`, when given,
    refuses larger files outright.
    """
    return read_document(data, time_limit_s=time_limit_s, max_pages=max_pages,
                         max_bytes=max_bytes, max_chars=max_chars)[1]


def read_document(
    data: bytes,
    *,
    time_limit_s: float = 20.0,
    max_pages: int = 200,
    max_bytes: int | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> tuple[str, str]:
    """(kind, text): `extract_text` plus the type it detected."""
    if not data:
        raise DocumentError(messages.EMPTY_FILE)
    if max_bytes is not None and len(data) > max_bytes:
        raise DocumentError(messages.too_large(max_bytes))
    kind = detect_type(data)
    if kind == "zip":
        raise DocumentError(messages.ARCHIVE_NOT_UNPACKED)
    if kind == "unknown":
        raise DocumentError(unsupported_reason(data))
    raw = run_with_time_limit(lambda: _read(kind, data, max_pages, max_chars), time_limit_s)
    text = cap_text(clean(raw), max_chars)
    if kind == "pdf" and sum(c.isalpha() for c in text) < MIN_LETTERS_IN_PDF:
        raise DocumentError(messages.SCANNED_PDF)
    if not any(c.isalnum() for c in text):
        raise DocumentError(messages.NO_TEXT)
    return kind, text


def cap_text(text: str, max_chars: int) -> str:
    """The first `max_chars` characters of `text`, cut at a word boundary.

    Cut rather than refused: a recruiter would rather see a very long CV (an academic's
    publication list, a portfolio appended) screened on its first pages, as PDF pages beyond
    `max_pages` are, than lose the candidate to an error.
    """
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    if not text[max_chars].isspace():
        cut = _PARTIAL_WORD.sub("", cut) or cut  # one endless "word": cut it anyway
    return cut.rstrip()


def _read(kind: str, data: bytes, max_pages: int, max_chars: int) -> str:
    if kind == "pdf":
        return extract_pdf(data, max_pages=max_pages)
    if kind == "docx":
        # Twice the cap: tidying drops some characters (trailing spaces, invisible ones), and
        # the text kept must still be the document's first `max_chars` characters.
        return extract_docx(data, max_chars=2 * max_chars)
    if kind == "rtf":
        return rtf_to_text(data)
    text = decode_text(data)
    return html_to_text(text) if kind == "html" else text


def extract_pdf(data: bytes, *, max_pages: int) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _open_encrypted(reader)
        pages = reader.pages
        texts = [pages[i].extract_text() or "" for i in range(min(len(pages), max_pages))]
    except DocumentError:
        raise
    except DependencyError as exc:  # AES encryption and no crypto library installed
        raise DocumentError(messages.PROTECTED_PDF) from exc
    except Exception as exc:  # pypdf raises many types (and plain ValueError) on bad files
        raise DocumentError(messages.damaged("PDF")) from exc
    return "\n\n".join(texts)


def _open_encrypted(reader: PdfReader) -> None:
    # Many PDFs are "encrypted" only to restrict printing or copying, with an empty
    # password for reading: those open fine. Anything else needs the password.
    try:
        opened = reader.decrypt("")
    except DependencyError as exc:  # AES needs a crypto library that is not installed
        raise DocumentError(messages.PROTECTED_PDF) from exc
    except Exception as exc:
        raise DocumentError(messages.ENCRYPTED_PDF) from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise DocumentError(messages.ENCRYPTED_PDF)


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str, whatever common encoding it uses."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")  # most files today; also plain ASCII
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        # Undecidable: Windows-1252 maps every byte to something readable.
        return data.decode("cp1252", errors="replace")
    return str(best)
