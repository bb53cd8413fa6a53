"""Text extraction and the clear failures a recruiter sees for bad files."""

from __future__ import annotations

import time

import pytest

from app.analysis import extract as extract_module
from app.analysis import extract_text, messages
from app.analysis.word import extract_docx
from app.errors import DocumentError

from . import factories


def test_pdf_text_is_extracted() -> None:
    text = extract_text(factories.make_pdf(factories.NURSE))
    assert text.splitlines()[0] == "MARIA GARCIA, RN"
    assert "medication administration and IV therapy" in text


def test_docx_text_includes_header_tables_and_body_in_order() -> None:
    import io

    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "jane@example.com | 555-123-4567"
    document.add_paragraph("Jane Doe")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Skills"
    table.cell(0, 1).text = "Python, SQL"
    out = io.BytesIO()
    document.save(out)
    text = extract_text(out.getvalue())
    assert text.splitlines() == ["jane@example.com | 555-123-4567", "", "Jane Doe", "Skills",
                                 "Python, SQL"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_text_in_common_encodings(encoding: str) -> None:
    original = "Zoë Müller\nCafé manager — Köln\nSkills: Excel, Kassenführung"
    if encoding == "latin-1":
        original = original.replace("—", "-")  # not in Latin-1
    assert extract_text(original.encode(encoding)) == original


def test_html_is_stripped_to_lines() -> None:
    html = (b"<!DOCTYPE html><html><head><title>CV</title><style>p{}</style></head><body>"
            b"<h1>Jane Doe</h1><p>Python &amp; SQL</p><ul><li>Go</li><li>Rust</li></ul>"
            b"<script>alert(1)</script></body></html>")
    lines = [line for line in extract_text(html).splitlines() if line]
    assert lines == ["Jane Doe", "Python & SQL", "• Go", "• Rust"]


def test_rtf_is_stripped_to_text() -> None:
    rtf = (rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator Riched20;}"
           rb"{\info{\title Secret title}}\f0 Jane Doe\par Caf\'e9 \u8226? Python\par}")
    assert extract_text(rtf) == "Jane Doe\nCafé • Python"


def test_file_named_pdf_holding_text_is_read_as_text() -> None:
    # The name is irrelevant: extract_text never sees it, only the bytes.
    assert extract_text(b"Jane Doe\nNurse") == "Jane Doe\nNurse"


def test_empty_file() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(b"")
    assert caught.value.message == messages.EMPTY_FILE
    assert "empty" in caught.value.message


def test_whitespace_only_document_is_empty() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(b" \n\n\t  \r\n")
    assert caught.value.message == messages.NO_TEXT


def test_empty_word_document_is_empty() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.make_docx(""))
    assert caught.value.message == messages.NO_TEXT


def test_encrypted_pdf_says_password_protected() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.encrypted_pdf())
    assert caught.value.message == messages.ENCRYPTED_PDF
    assert "password-protected" in caught.value.message


def test_pdf_encrypted_only_for_permissions_opens() -> None:
    assert extract_text(factories.permissions_only_pdf()).startswith("Jane Doe")


def test_pdf_encryption_we_cannot_decode_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def needs_crypto(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_crypto)
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.permissions_only_pdf())
    assert caught.value.message == messages.PROTECTED_PDF


def test_truncated_pdf_is_damaged() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.truncated_pdf())
    assert caught.value.message == messages.damaged("PDF")
    assert "damaged or incomplete" in caught.value.message


def test_truncated_docx_is_damaged() -> None:
    data = factories.make_docx(factories.NURSE)
    with pytest.raises(DocumentError) as caught:
        extract_text(data[: len(data) // 2])
    assert caught.value.message == messages.damaged("Word file")


def test_image_only_pdf_looks_scanned() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.image_only_pdf())
    assert caught.value.message == messages.SCANNED_PDF
    assert "looks like a scanned image" in caught.value.message
    assert "Upload a PDF with selectable text or a Word file." in caught.value.message


def test_random_bytes_named_docx_are_unsupported() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.random_bytes())
    assert caught.value.message == messages.unsupported()


def test_zip_given_to_extraction_asks_for_unpacking() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.make_zip({"cv.txt": b"Jane"}))
    assert caught.value.message == messages.ARCHIVE_NOT_UNPACKED


def test_too_large_when_a_limit_is_given() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(b"x" * 2048, max_bytes=1024)
    assert caught.value.message == messages.too_large(1024)
    assert "larger than" in caught.value.message


def test_xml_bomb_in_docx_is_refused_before_parsing() -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.xml_bomb_docx())
    assert caught.value.message == messages.UNSAFE_WORD
    assert "could be harmful" in caught.value.message
    assert time.monotonic() - started < 2


def test_utf16_xml_bomb_in_docx_is_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.utf16_xml_bomb_docx())
    assert caught.value.message == messages.UNSAFE_WORD


def test_docx_expanding_beyond_the_bound_is_refused() -> None:
    big = factories.make_docx("Jane Doe\n" + "Python developer. " * 20_000)
    with pytest.raises(DocumentError) as caught:
        extract_docx(big, max_unpacked_bytes=100_000)
    assert caught.value.message == messages.word_too_large(100_000)


def test_pdf_pages_beyond_max_pages_are_not_read() -> None:
    text = extract_text(factories.many_pages_pdf(5), max_pages=2)
    assert "Page marker 1" in text and "Page marker 2" in text
    assert "Page marker 3" not in text


def test_slow_parser_is_stopped_by_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def endless(data: bytes, *, max_pages: int) -> str:
        while True:
            pass

    monkeypatch.setattr(extract_module, "extract_pdf", endless)
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        extract_text(factories.make_pdf("Jane"), time_limit_s=0.3)
    assert caught.value.message == messages.too_slow(0.3)
    assert "took longer than 0.3 seconds" in caught.value.message
    assert time.monotonic() - started < 3
