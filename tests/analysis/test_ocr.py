"""Scanned resumes: read by OCR when Tesseract is installed, else the scanned message."""

from __future__ import annotations

import io
import shutil

import pypdfium2 as pdfium
import pytest

from app.analysis import Opening, messages, ocr
from app.analysis.extract import read
from app.analysis.pipeline import analyze
from app.errors import DocumentError

from . import factories

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="Tesseract (tesseract-ocr) is not installed")


def scanned_pdf(text: str) -> bytes:
    """A text PDF rendered to a picture and saved as a PDF of that picture only."""
    document = pdfium.PdfDocument(factories.make_pdf(text))
    image = document[0].render(scale=200 / 72).to_pil().convert("L")
    document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200)
    return out.getvalue()


@needs_tesseract
def test_a_scanned_resume_is_read_by_ocr() -> None:
    data = scanned_pdf(factories.NURSE)
    with pytest.raises(DocumentError):  # no selectable text at all
        read(data)
    result = analyze(data, "scan.pdf", Opening("Registered Nurse", "ICU nurse",
                                               ["Patient Care", "BLS"], [], 2),
                     ocr_options=ocr.find_tesseract())
    assert result.read_by == "ocr" and result.to_dict()["read_by"] == "ocr"
    assert result.profile.name == "Maria Garcia"
    assert {"patient care", "bls"} <= {s.lower() for s in result.match.must_have_matched}


def test_without_tesseract_a_scan_says_how_to_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ocr.find_tesseract() is None
    with pytest.raises(DocumentError) as caught:
        read(scanned_pdf(factories.NURSE), ocr_options=ocr.find_tesseract())
    assert caught.value.message == messages.SCANNED_PDF
    assert caught.value.message.endswith(
        "(Scanned resumes can be read once your administrator installs Tesseract OCR.)")


@needs_tesseract
def test_a_scan_with_no_readable_text_says_so() -> None:
    with pytest.raises(DocumentError) as caught:
        read(factories.image_only_pdf(), ocr_options=ocr.find_tesseract())
    assert caught.value.message == messages.SCANNED_PDF_UNREADABLE
