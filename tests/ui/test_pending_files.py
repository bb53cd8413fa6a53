"""The New screening page's file list, checked on the server as files arrive, parked on
disk and freed when the page goes (audit finding 8; limits: tests/security)."""

from __future__ import annotations

import pytest

from app.recruiting import parking
from app.settings import Settings
from tests.analysis import factories
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import resume_txt, sign_in, upload
from ui.views.new import Pending

MB = 1024 * 1024


def pending(**limits) -> Pending:
    return Pending(Settings(**{"max_file_bytes": MB, "max_files_per_upload": 5,
                               "max_upload_bytes": 2 * MB, **limits}))


def test_same_names_stay_apart_and_same_content_is_kept_once():
    files = pending()
    files.add_upload("cv.txt", resume_txt("Ann Lee", "SQL"))
    files.add_upload("cv.txt", resume_txt("Bob Roe", "SQL"))
    files.add_upload("CV.txt", resume_txt("Cid Poe", "SQL"))
    files.add_upload("copy.txt", resume_txt("Ann Lee", "SQL"))
    assert [f.name for f in files.files] == ["cv.txt", "cv (2).txt", "CV (3).txt"]
    assert [(r.name, r.reason) for r in files.rejected] == [
        ("copy.txt", "This file is already in the list (the same content was added before).")]
    files.remove(1)
    files.add_upload("cv.txt", resume_txt("Dee Moe", "SQL"))
    assert [f.name for f in files.files] == ["cv.txt", "CV (3).txt", "cv (2).txt"]


def test_archives_are_unpacked_and_every_refusal_has_a_reason():
    files = pending()
    archive = factories.make_zip({
        "a/ann.txt": resume_txt("Ann Lee", "SQL"),
        "a/photo.jpg": b"\xff\xd8\xff\xe0" + bytes(32),
        "__MACOSX/a/._ann.txt": b"junk",
        "inner.zip": factories.make_zip({"x.txt": b"x"}),
    })
    files.add_upload("../../team.zip", archive)
    assert [f.name for f in files.files] == ["ann.txt"]
    assert {r.name: r.reason.split(".")[0] for r in files.rejected} == {
        "photo.jpg": "This is an image, not a document",
        "inner.zip": "This is an archive inside the archive; archives inside archives are not"
                     " unpacked",
    }


def test_the_total_and_the_count_are_limited():
    files = pending(max_files_per_upload=2)
    for name in ("a", "b", "c"):
        files.add_upload(f"{name}.txt", resume_txt(f"{name.upper()} Lee", f"Skill{name}"))
    assert [f.name for f in files.files] == ["a.txt", "b.txt"]
    assert files.rejected[0].name == "c.txt"
    assert files.rejected[0].reason.startswith("One screening can hold at most 2 files")
    files.clear()
    assert files.files == [] and files.rejected == [] and files.total_bytes == 0
    files = pending()
    files.add_upload("big1.txt", b"a" * (MB - 10))
    files.add_upload("big2.txt", b"b" * (MB - 10))
    files.add_upload("small.txt", b"c" * 100)
    assert [f.name for f in files.files] == ["big1.txt", "big2.txt"]
    assert files.rejected[0].reason == ("Adding this file would go over the 2 MB limit for one"
                                        " screening. Start another screening for the rest.")


@pytest.mark.anyio
async def test_a_page_that_goes_frees_its_parked_files(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.open("/new")
    await upload(user, {"one.txt": resume_txt("One Person", "Python"),
                        "two.txt": resume_txt("Two Person", "SQL")})
    await user.should_see("2 resumes ready to screen", retries=20)
    lot = parking.get_lot()
    assert len(list(lot.folder.iterdir())) == 2 and lot.user_bytes(account.id) > 0
    # When the page's client is deleted (closed, and not back within the reconnect timeout)
    user.client.delete()
    assert list(lot.folder.iterdir()) == []
    assert (lot.total_bytes, lot.user_bytes(account.id)) == (0, 0)
