"""Text out of a document: PDF, Word, plain text, HTML or RTF, chosen by content.

Every permanent failure is a DocumentError whose message the recruiter can act on, and the
parsing runs under a time limit so one pathological file cannot hold a worker.

PDFs are read by PDFium (pypdfium2), which is C: it is not thread-safe (no two calls at
once in one process, even on different documents), a Python time limit cannot stop it, and
a crash in it ends the process. Workers therefore read documents in child processes
(app.engine.readers) that are killed at a hard time and memory limit; here one lock keeps
PDFium calls one at a time for any other caller (the CLI, the benches, tests).
"""

from __future__ import annotations

import codecs
import ctypes
import re
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from charset_normalizer import from_bytes

from app.analysis.errors import DocumentError

from . import messages, ocr
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
# A gap between two characters on a line wider than this share of their height is a space.
# Measured against pypdf's text of 60 real resumes: 0.03 gave the same words (10 of 23,054
# differ); 0.1 joined 671 ("ofthe": an "f" reaches into the space), 0.0 split 63.
_WORD_GAP = 0.03
# At most one PDFium call at a time in this process (see the module's docstring).
PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Reading:
    kind: str  # the detected type, e.g. "pdf"
    text: str
    read_by: str = "text"  # "ocr": the text was read from the pages' images


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
    name: str = "",
) -> tuple[str, str]:
    """(kind, text): `extract_text` plus the type it detected. `name`, the file's name,
    only sharpens the message for a file that is no document at all."""
    reading = read(data, time_limit_s=time_limit_s, max_pages=max_pages, max_bytes=max_bytes,
                   max_chars=max_chars, name=name)
    return reading.kind, reading.text


def read(
    data: bytes,
    *,
    time_limit_s: float = 20.0,
    max_pages: int = 200,
    max_bytes: int | None = None,
    max_chars: int = MAX_TEXT_CHARS,
    name: str = "",
    ocr_options: ocr.OcrOptions | None = None,
) -> Reading:
    """`read_document` as a Reading; with `ocr_options`, a PDF of scanned pages is read by
    OCR (Tesseract) instead of failing as scanned."""
    if not data:
        raise DocumentError(messages.EMPTY_FILE)
    if max_bytes is not None and len(data) > max_bytes:
        raise DocumentError(messages.too_large(max_bytes))
    kind = detect_type(data)
    if kind == "zip":
        raise DocumentError(messages.ARCHIVE_NOT_UNPACKED)
    if kind == "unknown":
        raise DocumentError(unsupported_reason(data, name))
    raw = run_with_time_limit(lambda: _read(kind, data, max_pages, max_chars), time_limit_s)
    text = cap_text(clean(raw), max_chars)
    read_by = "text"
    if kind == "pdf" and not _has_letters(text, MIN_LETTERS_IN_PDF):
        if ocr_options is None:
            raise DocumentError(messages.SCANNED_PDF)
        text = cap_text(clean(_read_by_ocr(data, ocr_options, time_limit_s)), max_chars)
        if not _has_letters(text, MIN_LETTERS_IN_PDF):
            raise DocumentError(messages.SCANNED_PDF_UNREADABLE)
        read_by = "ocr"
    if not any(c.isalnum() for c in text):
        raise DocumentError(messages.NO_TEXT)
    return Reading(kind, text, read_by)


def _has_letters(text: str, wanted: int) -> bool:
    """At least `wanted` letters (stops there: counting a whole resume cost 1.4 ms)."""
    for char in text:
        if char.isalpha():
            wanted -= 1
            if wanted <= 0:
                return True
    return False


def _read_by_ocr(data: bytes, options: ocr.OcrOptions, time_limit_s: float) -> str:
    def render(index: int, scale: float):
        with PDFIUM_LOCK:
            return _render_page(data, index, scale)

    return ocr.read_pages(render, options, time_limit_s=time_limit_s)


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
    """The text of a PDF's first `max_pages` pages, one blank line between pages."""
    with PDFIUM_LOCK:
        document = open_pdf(data)
        try:
            texts = []
            for index in range(min(len(document), max_pages)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    texts.append(_page_text(textpage))
                    textpage.close()
                finally:
                    page.close()
        except Exception as exc:  # a page that cannot be loaded or read
            raise DocumentError(messages.damaged("PDF")) from exc
        finally:
            document.close()
    return "\n\n".join(texts)


def _page_text(textpage: pdfium.PdfTextPage) -> str:
    """The page's text, with the spaces between words that PDFium leaves out.

    Some generators (wkhtmltopdf, most of the real resumes seen) place each word on its own
    and draw no space character between them; PDFium joins such words ("ProfessionalProfile").
    A gap of over a tenth of the character's height between neighbours on one line is a
    space: inside words the gap is at most a twentieth, between words 0.15 to 0.25 (the
    character boxes of 1,600 pages of real resumes).
    """
    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():
        return text  # characters outside the BMP: indices and characters do not line up
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    handle = ctypes.c_void_p(ctypes.cast(textpage.raw, ctypes.c_void_p).value)
    parts: list[str] = []
    start, previous_bottom = 0, 0.0
    for run in _NOT_SPACE.finditer(text):  # a space between runs is a space already
        previous_right = None
        for index in range(*run.span()):
            _loose_char_box(handle, index, box_ref)
            bottom = box.bottom
            height = box.top - bottom
            if height <= 0:
                previous_right = None
                continue
            if (previous_right is not None and box.left - previous_right > _WORD_GAP * height
                    and abs(bottom - previous_bottom) < 0.3 * height):
                parts.append(text[start:index])
                parts.append(" ")
                start = index
            previous_right, previous_bottom = box.right, bottom
    parts.append(text[start:])
    return "".join(parts)


_NOT_SPACE = re.compile(r"\S+")
# FPDFText_GetLooseCharBox(text_page, index, rect) without ctypes' argument conversion:
# it is called for every character (5,000 on a page), and pypdfium2's typed binding
# spent two of every three microseconds converting its arguments. The arguments passed
# are exactly a page handle (c_void_p), a C int and a pointer to an FS_RECTF.
_loose_char_box = ctypes.CFUNCTYPE(ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value)


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The document, or the DocumentError saying why not. Hold PDFIUM_LOCK.

    Many PDFs are "encrypted" only to restrict printing or copying, with an empty password
    for reading: PDFium opens those without asking. Anything else needs the password.
    """
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError(messages.ENCRYPTED_PDF) from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:  # a protection scheme PDFium cannot open
            raise DocumentError(messages.PROTECTED_PDF) from exc
        raise DocumentError(messages.damaged("PDF")) from exc


def _render_page(data: bytes, index: int, scale: float):
    """Page `index` as a greyscale PIL image, or None past the last page. Hold PDFIUM_LOCK."""
    document = open_pdf(data)
    try:
        if index >= len(document):
            return None
        page = document[index]
        try:
            return page.render(scale=scale, grayscale=True).to_pil()
        finally:
            page.close()
    finally:
        document.close()


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
