"""Old Word files, images and files that are not what their name says: refused at upload,
each named with its reason (the web page and the API both list `uploads.prepare`'s
rejected files)."""

from __future__ import annotations

from app.analysis import messages
from app.recruiting import uploads
from tests.analysis import factories
from ui.components import ACCEPT

OLD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)


def test_old_word_images_and_renamed_files_are_listed_with_their_reason() -> None:
    prepared = uploads.prepare([
        ("jane.txt", b"Jane Doe\nNurse"),
        ("old.doc", OLD_DOC),
        ("photo.png", PHOTO),
        ("cv.pdf", factories.random_bytes()),
    ])
    assert [i.name for i in prepared.items] == ["jane.txt"]
    assert [(r.name, r.reason) for r in prepared.rejected] == [
        ("old.doc", "This is an older Word (.doc) file, which is not supported. Open it in Word,"
                    " save it as .docx or PDF, and upload it again."),
        ("photo.png", "This is an image, not a document. Upload a PDF with selectable text or"
                      " a Word file."),
        ("cv.pdf", messages.not_what_its_name_says("pdf", "PDF")),
    ]


def test_the_browser_lets_old_word_files_and_images_through_to_be_named() -> None:
    # Filtered out by the file picker, they would be refused without their reason.
    assert {".doc", ".jpg", ".jpeg", ".png"} <= set(ACCEPT.split(","))
