"""The type of a file comes from its bytes, never from its name."""

from __future__ import annotations

import pytest

from app.analysis import detect_type, messages
from app.analysis.sniff import unsupported_reason

from . import factories


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (factories.make_pdf("Jane Doe"), "pdf"),
        (b"garbage before\n%PDF-1.4\n...", "pdf"),
        (factories.make_docx("Jane Doe"), "docx"),
        (factories.make_zip({"a.txt": b"hello"}), "zip"),
        (b"Jane Doe\nPython developer\n", "text"),
        ("Grüße, Zoë — café".encode("cp1252"), "text"),
        ("Jane Doe résumé".encode("utf-16"), "text"),
        (b"# Jane Doe\n\n- Python\n", "text"),
        (b"<!DOCTYPE html><html><body><p>Jane</p></body></html>", "html"),
        (b"  <html><body>Jane</body></html>", "html"),
        (rb"{\rtf1\ansi Jane Doe\par}", "rtf"),
        (b"", "unknown"),
        (factories.random_bytes(), "unknown"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "unknown"),
    ],
    ids=["pdf", "pdf-late-header", "docx", "zip", "text", "cp1252", "utf16", "markdown",
         "html", "html-indented", "rtf", "empty", "random", "png"],
)
def test_detect_type_reads_content(data: bytes, expected: str) -> None:
    assert detect_type(data) == expected


def test_other_office_packages_are_not_archives() -> None:
    import io

    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    assert detect_type(out.getvalue()) == "unknown"
    assert unsupported_reason(out.getvalue()) == messages.unsupported()
    odt = factories.make_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                              "content.xml": b"<office:document-content/>"})
    assert detect_type(odt) == "unknown"


def test_truncated_docx_is_still_recognised_as_word() -> None:
    data = factories.make_docx("Jane Doe")
    assert detect_type(data[: len(data) // 2]) == "docx"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), messages.OLD_WORD),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
         messages.ENCRYPTED_WORD),
        (b"\xff\xd8\xff\xe0" + bytes(100), messages.IMAGE),
        (b"\x1f\x8b\x08" + bytes(100), messages.OTHER_ARCHIVE),
        (factories.random_bytes(), messages.unsupported()),
        (b"", messages.EMPTY_FILE),
    ],
    ids=["doc", "encrypted-office", "jpeg", "gzip", "random", "empty"],
)
def test_unsupported_reason_names_the_problem(data: bytes, reason: str) -> None:
    assert unsupported_reason(data) == reason


def test_unsupported_message_lists_supported_types() -> None:
    message = messages.unsupported()
    for kind in ("PDF", "Word (.docx)", "plain text", "ZIP archives"):
        assert kind in message
