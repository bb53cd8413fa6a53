"""Text extraction and the clear failures a recruiter sees for bad files."""

from __future__ import annotations

import io
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


def test_pdf_encryption_we_cannot_decode_says_so() -> None:
    # A security handler PDFium does not know (same length: the offsets stay right).
    data = factories.permissions_only_pdf().replace(b"/Standard", b"/Custom01")
    with pytest.raises(DocumentError) as caught:
        extract_text(data)
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


# --- Word files read as a stream: the same text as a full tree, in bounded memory ---------

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TEXT_BOX_BODY = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{_W_NS}"
  xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
  xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
  xmlns:v="urn:schemas-microsoft-com:vml">
<w:background><w:t>not body text</w:t></w:background>
<w:body>
<w:p><w:r><w:t xml:space="preserve">Jane  Doe </w:t></w:r><w:r><w:tab/><w:t>Nurse</w:t></w:r></w:p>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><wps:txbx><w:txbxContent>
<w:p><w:r><w:t>jane@example.com</w:t><w:br/><w:t>555</w:t><w:noBreakHyphen/><w:t>0142</w:t></w:r></w:p>
</w:txbxContent></wps:txbx></mc:Choice><mc:Fallback><v:textbox><w:txbxContent>
<w:p><w:r><w:t>jane@example.com</w:t></w:r></w:p>
<mc:Fallback><w:t>nested fallback</w:t></mc:Fallback>
</w:txbxContent></v:textbox></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p><w:r><w:t><![CDATA[R&D <lead>]]></w:t><w:t>a<!-- note -->b</w:t><w:cr/></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Skills</w:t></w:r></w:p></w:tc>
<w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Python</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc>
</w:tr></w:tbl>
<w:sectPr/></w:body></w:document>
"""


def _full_tree_text(data: bytes) -> str:
    """The reading before streaming (python-docx builds the whole tree): the reference."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    document = docx.Document(io.BytesIO(data))
    headers, footers = [], []
    for rel in document.part.rels.values():
        if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER):
            (headers if rel.reltype == RT.HEADER else footers).append(rel.target_part.element)
    texts = []
    for root in [*headers, document.element.body, *footers]:
        out: list[str] = []
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, element in walker:
            tag = element.tag.split("}")[-1] if isinstance(element.tag, str) else ""
            if event == "start":
                if element.tag == f"{{{_W_NS}}}t":
                    out.append(element.text or "")
                elif tag == "tab":
                    out.append("\t")
                elif tag in ("br", "cr"):
                    out.append("\n")
                elif tag == "noBreakHyphen":
                    out.append("-")
                elif tag == "Fallback":
                    walker.skip_subtree()
            elif tag == "p":
                out.append("\n")
        texts.append("".join(out))
    seen: set[str] = set()
    return "\n".join(t for t in texts if t.strip() and not (t in seen or seen.add(t)))


def _python_docx_layouts() -> bytes:
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Jane Doe | jane@example.com"
    section.footer.paragraphs[0].text = "Page footer"
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Jane Doe | jane@example.com"  # repeated
    paragraph = document.add_paragraph("Summary\twith a tab")
    paragraph.add_run().add_break()
    paragraph.add_run("after a line break")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Skills"
    table.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Nested: Python"
    table.cell(1, 1).text = "Zoë Müller — Köln ✓ 😀"
    document.add_page_break()
    document.add_paragraph("Second page")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_of_lines(lines: list[str], header: str | None = None) -> bytes:
    """A DOCX of many paragraphs, written directly (python-docx slows down with thousands)."""
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    xml = f'<w:document xmlns:w="{_W_NS}"><w:body>{body}</w:body></w:document>'
    return factories.replace_docx_part(factories.make_docx("x", header=header),
                                       "word/document.xml", xml.encode())


def _reference_documents() -> dict[str, bytes]:
    import random

    from app.analysis.bench import PROFESSIONS, make_resume, to_docx

    documents = {name: factories.make_docx(text) for name, text in factories.RESUMES.items()}
    documents["with header"] = factories.make_docx(factories.NURSE, header="maria@example.com")
    documents["layouts"] = _python_docx_layouts()
    documents["text boxes"] = factories.replace_docx_part(
        factories.make_docx("x"), "word/document.xml", _TEXT_BOX_BODY.encode())
    documents["utf-16"] = factories.replace_docx_part(
        factories.make_docx("x"), "word/document.xml",
        _TEXT_BOX_BODY.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    rng = random.Random(3)
    for i in range(20):
        documents[f"generated {i}"] = to_docx(make_resume(rng, list(PROFESSIONS)[i % len(PROFESSIONS)]))
    return documents


def test_docx_streamed_text_is_identical_to_the_full_tree_reading() -> None:
    documents = _reference_documents()
    assert len(documents) >= 30
    for name, data in documents.items():
        assert extract_docx(data) == _full_tree_text(data), name


def test_docx_text_boxes_are_read_once_and_only_the_body_counts() -> None:
    data = factories.replace_docx_part(factories.make_docx("x"), "word/document.xml",
                                       _TEXT_BOX_BODY.encode())
    text = extract_text(data)
    assert text.count("jane@example.com") == 1
    assert "555-0142" in text and "R&D <lead>" in text and "Nested: Python" not in text
    assert "nested fallback" not in text and "not body text" not in text


def test_a_docx_xml_part_beyond_its_cap_is_refused() -> None:
    data = factories.make_docx("Jane Doe\n" + "Python developer. " * 5_000)
    with pytest.raises(DocumentError) as caught:
        extract_docx(data, max_xml_bytes=50_000)
    assert caught.value.message == messages.word_xml_too_large(50_000)
    assert "more than" in caught.value.message and "Save the resume" in caught.value.message


def test_docx_reading_stops_once_enough_text_is_in_hand() -> None:
    lines = [f"Line {n} of a very long document" for n in range(20_000)]
    data = _docx_of_lines(lines, header="Jane Doe")
    text = extract_docx(data, max_chars=10_000)
    assert text.startswith("Jane Doe\n\nLine 0 of")
    # The 64 KB chunk of XML being parsed is finished, then reading stops: of ~640,000.
    assert 10_000 <= len(text) < 10_000 + 64 * 1024
    assert "Line 19999" not in text


def test_an_xml_bomb_stays_unexpanded_even_past_the_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defence in depth: were the DOCTYPE scan ever bypassed, the parser resolves no entity.
    from app.analysis import word

    monkeypatch.setattr(word, "check_package", lambda data, **limits: None)
    started = time.monotonic()
    try:
        text = extract_docx(factories.xml_bomb_docx())
    except DocumentError as caught:
        text = caught.message
    assert "lollol" not in text
    assert time.monotonic() - started < 2


# --- The cap on a resume's text -----------------------------------------------------------

def test_text_beyond_the_cap_is_cut_at_a_word_boundary() -> None:
    from app.analysis.extract import MAX_TEXT_CHARS

    words = "Jane Doe\n" + "Python developer " * 20_000  # 340,009 characters
    text = extract_text(words.encode())
    # 200,000 characters end in "... developer Pyt": the partial word and the space go.
    assert MAX_TEXT_CHARS == 200_000 and len(text) == 199_996
    assert words.startswith(text) and text.endswith("Python developer")


def test_long_docx_text_is_cut_to_the_same_text_as_plain_text() -> None:
    lines = [f"Line {n} with Python, SQL and Kubernetes" for n in range(10_000)]
    full = "\n".join(lines)
    as_text = extract_text(full.encode(), max_chars=50_000)
    as_word = extract_text(_docx_of_lines(lines), max_chars=50_000)
    assert as_word == as_text
    assert len(as_text) <= 50_000 and full.startswith(as_text) and as_text.endswith("SQL and")


def test_short_text_is_not_touched_by_the_cap() -> None:
    assert extract_text(factories.make_docx(factories.NURSE)) == factories.NURSE.strip()
