"""Unpacking uploads: one file per ZIP entry, safely, with reasons for what is refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.analysis import Rejected, UnpackResult, UploadedFile, messages, unpack_upload
from app.analysis.sniff import declared_entry_count
from app.analysis.unpack import safe_name
from app.errors import InvalidInput, TooLarge

from . import factories

MB = 1024 * 1024
LIMITS = dict(max_file_bytes=5 * MB, max_entries=50, max_total_bytes=50 * MB, max_ratio=100.0)


def test_single_document_becomes_one_file() -> None:
    pdf = factories.make_pdf("Jane Doe")
    result = unpack_upload("cv.pdf", pdf, **LIMITS)
    assert result.files == [UploadedFile("cv.pdf", pdf)]
    assert result.rejected == []


def test_text_named_pdf_is_accepted_and_random_bytes_named_docx_are_rejected() -> None:
    text = unpack_upload("cv.pdf", b"Jane Doe\nNurse", **LIMITS)
    assert [f.name for f in text.files] == ["cv.pdf"]
    fake = unpack_upload("cv.docx", factories.random_bytes(), **LIMITS)
    assert fake.files == []
    assert fake.rejected == [Rejected("cv.docx", messages.unsupported())]


def test_single_file_problems_are_rejected_with_reasons() -> None:
    assert unpack_upload("a.txt", b"", **LIMITS).rejected == [Rejected("a.txt", messages.EMPTY_FILE)]
    big = unpack_upload("b.txt", b"x" * (5 * MB + 1), **LIMITS)
    assert big.rejected == [Rejected("b.txt", messages.too_large(5 * MB))]
    assert "larger than the 5 MB limit" in big.rejected[0].reason


def test_docx_is_not_unpacked() -> None:
    data = factories.make_docx("Jane Doe")
    result = unpack_upload("cv.docx", data, **LIMITS)
    assert result.files == [UploadedFile("cv.docx", data)]


def test_zip_becomes_one_file_per_entry_skipping_folders_and_junk() -> None:
    pdf, docx_bytes = factories.make_pdf("Jane"), factories.make_docx("Sam")
    archive = factories.make_zip({
        "resumes/": b"",
        "resumes/jane.pdf": pdf,
        "resumes/sam.docx": docx_bytes,
        "resumes/notes.txt": b"Maria Garcia, RN",
        "__MACOSX/resumes/._jane.pdf": b"\x00\x05\x16\x07junk",
        "resumes/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "resumes/._sam.docx": b"junk",
    })
    result = unpack_upload("batch.zip", archive, **LIMITS)
    assert [(f.name, f.data) for f in result.files] == [
        ("jane.pdf", pdf), ("sam.docx", docx_bytes), ("notes.txt", b"Maria Garcia, RN")]
    assert result.rejected == []


def test_nested_unsupported_empty_and_encrypted_entries_are_reported_by_name() -> None:
    inner = factories.make_zip({"x.txt": b"hello"})
    archive = factories.make_zip({
        "ok.txt": b"Jane Doe",
        "inner.zip": inner,
        "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(200),
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "blank.txt": b"",
        "noise.bin": factories.random_bytes(),
    })
    result = unpack_upload("batch.zip", archive, **LIMITS)
    assert [f.name for f in result.files] == ["ok.txt"]
    assert result.rejected == [
        Rejected("inner.zip", messages.NESTED_ARCHIVE),
        Rejected("photo.jpg", messages.IMAGE),
        Rejected("old.doc", messages.OLD_WORD),
        Rejected("blank.txt", messages.EMPTY_FILE),
        Rejected("noise.bin", messages.unsupported()),
    ]
    encrypted = unpack_upload("locked.zip", factories.encrypted_entry_zip("cv.txt"), **LIMITS)
    assert encrypted.rejected == [Rejected("cv.txt", messages.ENCRYPTED_ENTRY)]


def test_entry_names_cannot_escape_and_duplicates_are_renamed() -> None:
    archive = factories.make_zip({
        "../../etc/passwd.txt": b"root",
        "a/cv.txt": b"Jane",
        "b/CV.txt": b"Sam",
        "..\\..\\windows\\evil.txt": b"Eve",
        "c/\x01bad:name?.txt": b"Bob",
    })
    names = [f.name for f in unpack_upload("x.zip", archive, **LIMITS).files]
    assert names == ["passwd.txt", "cv.txt", "CV (2).txt", "evil.txt", "_bad_name_.txt"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("../../x.pdf", "x.pdf"), ("C:\\Users\\me\\cv.docx", "cv.docx"), ("..", "file"),
     ("", "file"), ("  .hidden.txt ", "hidden.txt"), ("a" * 300 + ".pdf", "a" * 176 + ".pdf")],
)
def test_safe_name(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


def test_entry_over_the_file_limit_is_rejected() -> None:
    big = factories.random_bytes(700_000).hex().encode()  # 1.4 MB, compresses only ~2x
    archive = factories.make_zip({"small.txt": b"Jane", "big.txt": big})
    result = unpack_upload("x.zip", archive, **{**LIMITS, "max_file_bytes": 1 * MB})
    assert [f.name for f in result.files] == ["small.txt"]
    assert result.rejected == [Rejected("big.txt", messages.too_large(1 * MB))]


def test_too_many_entries_raises_naming_the_archive() -> None:
    archive = factories.make_zip({f"cv{i}.txt": b"Jane" for i in range(6)})
    with pytest.raises(TooLarge) as caught:
        unpack_upload("many.zip", archive, **{**LIMITS, "max_entries": 5})
    assert caught.value.message == messages.archive_too_many("many.zip", 6, 5)
    assert isinstance(caught.value, InvalidInput)


def test_entry_count_is_checked_before_opening_the_archive() -> None:
    archive = factories.make_zip({f"cv{i}.txt": b"Jane" for i in range(40)})
    assert declared_entry_count(archive) == 40
    with pytest.raises(TooLarge) as caught:
        unpack_upload("many.zip", archive, **{**LIMITS, "max_entries": 2})
    assert "holds 40 files" in caught.value.message


def test_total_size_limit_raises() -> None:
    archive = factories.make_zip({f"cv{i}.txt": factories.random_bytes(300_000, i).hex().encode()
                                  for i in range(3)})
    with pytest.raises(TooLarge) as caught:
        unpack_upload("big.zip", archive, **{**LIMITS, "max_total_bytes": 1 * MB})
    assert caught.value.message == messages.archive_too_big("big.zip", 1 * MB)


def test_zip_bomb_is_refused_by_its_ratio(zip_bomb_200mb: bytes) -> None:
    assert len(zip_bomb_200mb) < 2 * MB
    with pytest.raises(TooLarge) as caught:
        unpack_upload("bomb.zip", zip_bomb_200mb, max_file_bytes=500 * MB, max_entries=50,
                      max_total_bytes=1024 * MB, max_ratio=100.0)
    assert caught.value.message == messages.archive_bomb("bomb.zip", "resume.txt", 100.0)
    assert "'bomb.zip'" in caught.value.message and "expands more than 100 times" in caught.value.message


def test_zip_bomb_is_refused_by_size_limits_too(zip_bomb_200mb: bytes) -> None:
    with pytest.raises(TooLarge):
        unpack_upload("bomb.zip", zip_bomb_200mb, max_file_bytes=500 * MB, max_entries=50,
                      max_total_bytes=100 * MB, max_ratio=1e9)


def test_lying_header_cannot_smuggle_extra_bytes() -> None:
    real = b"Jane Doe " * 400_000  # 3.6 MB that the header claims is 1,000 bytes
    archive = factories.lying_size_zip(real, declared_size=1000, name="cv.txt")
    assert zipfile.ZipFile(io.BytesIO(archive)).infolist()[0].file_size == 1000
    result = unpack_upload("liar.zip", archive, **LIMITS)
    assert result.files == []
    assert result.rejected == [Rejected("cv.txt", messages.DAMAGED_ENTRY)]


def test_archive_with_nothing_but_junk_is_reported() -> None:
    archive = factories.make_zip({"folder/": b"", "__MACOSX/._x": b"junk", ".DS_Store": b"x"})
    result = unpack_upload("empty.zip", archive, **LIMITS)
    assert result == UnpackResult([], [Rejected("empty.zip", messages.EMPTY_ARCHIVE)])


def test_damaged_archive_is_rejected() -> None:
    archive = factories.make_zip({"cv.txt": b"Jane Doe" * 100})
    result = unpack_upload("broken.zip", archive[: len(archive) - 30], **LIMITS)
    assert result.files == []
    assert result.rejected == [Rejected("broken.zip", messages.DAMAGED_ARCHIVE)]
