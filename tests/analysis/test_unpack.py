"""Unpacking uploads: one file per ZIP entry, safely, with reasons for what is refused."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from app.analysis import Rejected, UnpackResult, UploadedFile, messages, unpack_upload
from app.analysis.sniff import detect_type, zip_entry_count
from app.analysis.unpack import safe_name
from app.errors import InvalidInput, TooLarge
from tests.security import zips

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
    assert fake.rejected == [Rejected("cv.docx", messages.not_what_its_name_says("docx", "Word file"))]


def test_a_file_named_pdf_or_docx_that_is_no_document_says_so() -> None:
    noise = factories.random_bytes()
    pdf = unpack_upload("Resume.PDF", noise, **LIMITS).rejected
    assert pdf == [Rejected("Resume.PDF", "This file is named .pdf but is not a PDF: it may be "
                            "damaged, or another type of file renamed. Open it on your computer,"
                            " save it again as PDF, and upload that.")]
    # The same bytes under another name, and known kinds under a PDF's name, say what they are.
    assert unpack_upload("notes.bin", noise, **LIMITS).rejected == [
        Rejected("notes.bin", messages.unsupported())]
    assert unpack_upload("scan.pdf", b"\xff\xd8\xff\xe0" + bytes(200), **LIMITS).rejected == [
        Rejected("scan.pdf", messages.IMAGE)]
    assert unpack_upload("cv.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                         **LIMITS).rejected == [Rejected("cv.docx", messages.OLD_WORD)]
    inside = unpack_upload("all.zip", factories.make_zip({"cv.pdf": noise}), **LIMITS)
    assert inside.rejected == [Rejected("cv.pdf", messages.not_what_its_name_says("pdf", "PDF"))]


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
    assert zip_entry_count(archive, stop_after=100) == 40
    assert zip_entry_count(archive, stop_after=10) == 11  # stops counting past the limit
    with pytest.raises(TooLarge) as caught:
        unpack_upload("many.zip", archive, **{**LIMITS, "max_entries": 2})
    assert caught.value.message == messages.archive_too_many_entries("many.zip", 2)
    assert "holds more than 2 files" in caught.value.message


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


# --- Audit findings 3 and 7: archives that lie about their entries, and small bombs ------

PRODUCTION = dict(max_file_bytes=10 * MB, max_entries=1000, max_total_bytes=200 * MB,
                  max_ratio=100.0, max_entry_bytes=5 * MB)


@pytest.fixture
def zipinfos_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many ZipInfo objects zipfile builds (one per central-directory record it reads)."""
    built = [0]
    original = zipfile.ZipInfo

    class Counting(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            built[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipInfo", Counting)
    return built


def test_a_zip_lying_about_its_entry_count_is_refused_before_zipfile_reads_it(
        zipinfos_built: list[int]) -> None:
    archive = zips.lying_count_zip(400_000, declared=1)  # 20 MB; the end record says 1
    assert len(archive) > 20_000_000
    started = time.perf_counter()
    with pytest.raises(TooLarge) as caught:
        unpack_upload("liar.zip", archive, **PRODUCTION)
    elapsed = time.perf_counter() - started
    print(f"\nlying ZIP of 400,000 records refused in {elapsed * 1000:.1f} ms")
    # Counted, not built: the cost does not depend on the machine or on the lie's size
    # (before: 400,000 ZipInfo objects, 3.6 s and +181 MB here).
    assert zipinfos_built[0] == 0
    assert caught.value.message == (
        "The archive 'liar.zip' holds more than 1000 files; at most 1000 are allowed in one"
        " archive. Split it into smaller archives.")
    assert zip_entry_count(archive, stop_after=4016) == 4017
    # As an entry of another archive (a "Word file" of 200,000 parts), it is not opened either
    nested = zips.lying_count_zip(200_000, declared=1)
    assert detect_type(nested) == "zip" and zipinfos_built[0] == 0
    # Nor one of 4,999 parts (under the Word limit): its names are read from the directory
    assert detect_type(zips.lying_count_zip(4999, declared=4999)) == "zip"
    word, before = factories.make_docx("Jane Doe"), zipinfos_built[0]  # (writing builds some)
    assert detect_type(word) == "docx" and zipinfos_built[0] == before


def test_the_entry_count_walks_the_directory_zipfile_reads() -> None:
    plain = factories.make_zip({f"cv{i}.txt": b"Jane" for i in range(30)})
    commented = io.BytesIO()
    with zipfile.ZipFile(commented, "w") as archive:
        archive.writestr("cv.txt", b"Jane")
        archive.comment = b"Resumes for the nurse opening" * 10
    prefixed = b"#!/bin/sh\nexit 0\n" * 100 + plain  # a self-extracting archive's stub
    many = io.BytesIO()  # over 65,535 entries: Zip64 end records hold the count and size
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as archive:
        for i in range(66_000):
            archive.writestr(f"{i}", b"")
    for data in (plain, commented.getvalue(), prefixed, many.getvalue()):
        expected = len(zipfile.ZipFile(io.BytesIO(data)).infolist())
        assert zip_entry_count(data, stop_after=100_000) == expected
    assert zip_entry_count(many.getvalue(), stop_after=5000) == 5001
    truncated = plain[: len(plain) - 30]
    assert zip_entry_count(truncated, stop_after=100) is None
    assert unpack_upload("t.zip", truncated, **LIMITS).rejected == [
        Rejected("t.zip", messages.DAMAGED_ARCHIVE)]


def test_small_entries_are_held_to_the_ratio_too() -> None:
    # The audit's 510 KB archive: 190 entries of 1,000,000 bytes (under the old 1 MiB
    # floor of the ratio test) became 190 MB of stored documents.
    archive = zips.small_entries_zip(190, 1_000_000)
    assert 400_000 < len(archive) < 600_000
    with pytest.raises(TooLarge) as caught:
        unpack_upload("cvs.zip", archive, **PRODUCTION)
    assert caught.value.message == (
        "The archive 'cvs.zip' was refused: 'cv000.txt' inside it expands more than 100 times"
        " its packed size, which is how harmful archives work. Make the archive again from"
        " the original files.")
    # 300 KB of spaces packs into ~300 bytes: refused at any size
    with pytest.raises(TooLarge) as caught:
        unpack_upload("s.zip", factories.make_zip({"cv.txt": b" " * 300_000}), **PRODUCTION)
    assert caught.value.message == messages.archive_bomb("s.zip", "cv.txt", 100.0)
    # ... while ordinary text, which packs 3-5 times, still passes at every size
    text = (factories.SOFTWARE_SENIOR * 40).encode()
    ok = unpack_upload("ok.zip", factories.make_zip({"a.txt": text, "b.txt": text[:300]}),
                       **PRODUCTION)
    assert [f.name for f in ok.files] == ["a.txt", "b.txt"] and ok.rejected == []


def test_entries_sharing_packed_bytes_are_held_to_the_archive_ratio() -> None:
    # 150 records naming one entry that expands ~53 times: each passes the per-entry test,
    # together they declare 150 MB from a 28 KB archive.
    archive, ratio = zips.shared_entry_zip(150)
    assert 40 < ratio < 100 and len(archive) < 30_000
    with pytest.raises(TooLarge) as caught:
        unpack_upload("shared.zip", archive, **PRODUCTION)
    assert caught.value.message == (
        "The archive 'shared.zip' was refused: its files expand to more than 100 times the"
        " archive's size, which is how harmful archives work. Make the archive again from"
        " the original files.")


def test_a_file_inside_an_archive_has_its_own_size_limit() -> None:
    big = factories.random_bytes(1_600_000).hex().encode()  # 3.2 MB, packs ~2 times
    archive = factories.make_zip({"cv.txt": b"Jane Doe", "portfolio.txt": big})
    result = unpack_upload("x.zip", archive, **{**PRODUCTION, "max_entry_bytes": 2 * MB})
    assert [f.name for f in result.files] == ["cv.txt"]
    assert result.rejected == [Rejected("portfolio.txt", messages.too_large(2 * MB))]
    assert result.rejected[0].reason.startswith("This file is larger than the 2 MB limit.")
    # The same file uploaded on its own has the single-file limit
    alone = unpack_upload("portfolio.txt", big, **{**PRODUCTION, "max_entry_bytes": 2 * MB})
    assert [f.name for f in alone.files] == ["portfolio.txt"]
