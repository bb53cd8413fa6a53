"""What a recruiter reads when a file cannot be used.

All wording lives here so that the upload page (rejected files), the item error (failed
analysis) and the CLI say the same thing the same way: plain words, what went wrong, and
what to do about it.
"""

from __future__ import annotations

SUPPORTED_TYPES_TEXT = "PDF, Word (.docx), plain text (.txt, .md, .rtf, .html), and ZIP archives of them"

EMPTY_FILE = "The file is empty (0 bytes). Check that you picked the right file and upload it again."
NO_TEXT = (
    "The document is empty: there is no text in it. "
    "Check that you picked the right file and upload it again."
)
SCANNED_PDF = (
    "This PDF has no selectable text: it looks like a scanned image. "
    "Upload a PDF with selectable text or a Word file. "
    "(Scanned resumes can be read once your administrator installs Tesseract OCR.)"
)
SCANNED_PDF_UNREADABLE = (
    "This PDF has no selectable text: it looks like a scanned image, and no text could be "
    "read from the image either. Upload a PDF with selectable text or a Word file."
)
READER_STOPPED = (
    "Reading this file stopped the reader: the file may be damaged or too complex. "
    "Open it on your computer, save it again as PDF, and upload the new copy."
)
ENCRYPTED_PDF = (
    "This PDF is password-protected, so it cannot be read. "
    "Remove the password (or print it to a new PDF) and upload it again."
)
PROTECTED_PDF = (
    "This PDF uses a kind of encryption that cannot be read here. "
    "Print it to a new PDF (or save a copy without protection) and upload that."
)
ENCRYPTED_WORD = (
    "This Word file is password-protected, so it cannot be read. "
    "Remove the password, save it, and upload it again."
)
UNSAFE_WORD = (
    "This Word file contains unusual internal content that could be harmful, so it was not "
    "opened. Open it in Word, save a new copy (or export it as PDF), and upload that."
)
ARCHIVE_NOT_UNPACKED = (
    "This is a ZIP archive, not a resume. Upload it as an archive so that each resume in it "
    "is read on its own."
)
OLD_WORD = (
    "This is an older Word (.doc) file, which is not supported. "
    "Open it in Word, save it as .docx or PDF, and upload it again."
)
IMAGE = (
    "This is an image, not a document. Upload a PDF with selectable text or a Word file."
)
OTHER_ARCHIVE = (
    "This archive type is not supported; only ZIP archives are unpacked. "
    "Put the resumes in a ZIP archive, or upload them one by one."
)
NESTED_ARCHIVE = (
    "This is an archive inside the archive; archives inside archives are not unpacked. "
    "Upload it on its own."
)
ENCRYPTED_ENTRY = (
    "This file is password-protected inside the archive, so it cannot be read. "
    "Make the archive again without a password."
)
DAMAGED_ENTRY = (
    "This file is damaged inside the archive and cannot be read. "
    "Make the archive again and upload it."
)
EMPTY_ARCHIVE = "This ZIP archive has no documents in it (only folders or system files)."
DAMAGED_ARCHIVE = (
    "This ZIP archive is damaged or incomplete and cannot be opened. "
    "Make the archive again and upload it."
)


def unsupported() -> str:
    return f"This type of file is not supported. Upload {SUPPORTED_TYPES_TEXT}."


def damaged(kind_label: str) -> str:
    return (
        f"This {kind_label} is damaged or incomplete and cannot be read. "
        "Open it on your computer, save a fresh copy, and upload that."
    )


def not_what_its_name_says(extension: str, kind_label: str) -> str:
    """For a file named like a PDF or Word file whose content is no document at all."""
    return (
        f"This file is named .{extension} but is not a {kind_label}: it may be damaged, or "
        "another type of file renamed. Open it on your computer, save it again as PDF, and "
        "upload that."
    )


def too_large(limit_bytes: int) -> str:
    return (
        f"This file is larger than the {megabytes(limit_bytes)} limit. "
        "Upload a smaller file (a resume rarely needs more than a few MB)."
    )


def word_too_large(limit_bytes: int) -> str:
    return (
        f"This Word file expands to more than {megabytes(limit_bytes)} when opened, far more "
        "than a resume needs, so it was not opened. Save it as PDF and upload that."
    )


def word_xml_too_large(limit_bytes: int) -> str:
    return (
        f"This Word file holds more than {megabytes(limit_bytes)} of text and layout, far more "
        "than a resume needs, so it was not opened. Save the resume on its own as PDF and "
        "upload that."
    )


def too_slow(seconds: float) -> str:
    return (
        f"Reading this file took longer than {seconds:g} seconds, so it was stopped. It may be "
        "damaged or unusually complex; save it again as PDF or Word and upload the new copy."
    )


def too_much_memory(limit_bytes: int) -> str:
    return (
        f"Reading this file needed more than {megabytes(limit_bytes)} of memory, so it was "
        "stopped. It may be damaged or unusually complex; save it again as PDF or Word and "
        "upload the new copy."
    )


def archive_too_many(archive: str, count: int, limit: int) -> str:
    return (
        f"The archive '{archive}' holds {count} files; at most {limit} are allowed in one "
        "archive. Split it into smaller archives."
    )


def archive_too_big(archive: str, limit_bytes: int) -> str:
    return (
        f"The archive '{archive}' unpacks to more than {megabytes(limit_bytes)}, the limit for "
        "one upload. Split it into smaller archives."
    )


def archive_bomb(archive: str, entry: str, ratio: float) -> str:
    return (
        f"The archive '{archive}' was refused: '{entry}' inside it expands more than "
        f"{ratio:g} times its packed size, which is how harmful archives work. "
        "Make the archive again from the original files."
    )


def archive_too_many_entries(archive: str, limit: int) -> str:
    """For an archive refused while its directory is counted (the exact count is unknown)."""
    return (
        f"The archive '{archive}' holds more than {limit} files; at most {limit} are allowed "
        "in one archive. Split it into smaller archives."
    )


def archive_bomb_total(archive: str, ratio: float) -> str:
    return (
        f"The archive '{archive}' was refused: its files expand to more than {ratio:g} times "
        "the archive's size, which is how harmful archives work. "
        "Make the archive again from the original files."
    )


def megabytes(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB".replace(".0 MB", " MB")
