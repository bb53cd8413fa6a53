"""Text out of scanned pages: PDFium renders a page, Tesseract (its command line) reads it.

Only used when Tesseract is installed (`tesseract-ocr`; see `find_tesseract`) and only for
PDFs with no selectable text. It runs where documents are read, in the workers' reader
processes (app.engine.readers), so the same page, time and memory limits hold: each
Tesseract run gets what is left of the time limit and inherits the reader's memory limit.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.analysis.errors import DocumentError, ReadingLimit

from . import messages

# 300 dots per inch, what Tesseract reads best; a PDF page is measured in 1/72 inch.
DEFAULT_DPI = 300


@dataclass(frozen=True)
class OcrOptions:
    tesseract: str  # the program's path
    languages: str = "eng"  # Tesseract's -l: "eng", "eng+deu"
    max_pages: int = 5  # a resume's substance is on its first pages
    dpi: int = DEFAULT_DPI


def find_tesseract(enabled: bool = True, languages: str = "eng", max_pages: int = 5,
                   dpi: int = DEFAULT_DPI) -> OcrOptions | None:
    """OcrOptions when OCR is enabled and Tesseract is on the PATH, else None."""
    if not enabled:
        return None
    path = shutil.which("tesseract")
    if path is None:
        return None
    return OcrOptions(path, languages, max_pages, dpi)


def read_pages(render: Callable[[int, float], Any], options: OcrOptions, *,
               time_limit_s: float | None) -> str:
    """The text of the first pages: `render(index, scale)` gives a page as a PIL image, or
    None past the last one. Raises DocumentError when the time is up."""
    deadline = time.monotonic() + time_limit_s if time_limit_s else None
    texts = []
    for index in range(options.max_pages):
        image = render(index, options.dpi / 72)
        if image is None:
            break
        texts.append(read_image(image, options, deadline=deadline,
                                time_limit_s=time_limit_s or 0.0))
    return "\n\n".join(texts)


def read_image(image: Any, options: OcrOptions, *, deadline: float | None = None,
               time_limit_s: float = 0.0) -> str:
    """The text Tesseract reads in one PIL image."""
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PPM")  # greyscale PGM: no compression to pay
    timeout = None if deadline is None else deadline - time.monotonic()
    if timeout is not None and timeout <= 0:
        raise ReadingLimit(messages.too_slow(time_limit_s))
    try:
        done = subprocess.run(
            [options.tesseract, "stdin", "stdout", "-l", options.languages, "--psm", "3"],
            input=buffer.getvalue(), capture_output=True, timeout=timeout, check=False,
            # One thread: the reader processes already share the CPUs among them.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired:
        raise ReadingLimit(messages.too_slow(time_limit_s)) from None
    if done.returncode != 0:
        # Out of memory under the reader's limit, a missing language: the page is unread.
        raise DocumentError(messages.SCANNED_PDF_UNREADABLE)
    return done.stdout.decode("utf-8", errors="replace")
