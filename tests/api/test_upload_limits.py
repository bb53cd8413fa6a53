"""Hostile archives through the API (audit findings 3, 7 and 14): each one is a rejected
file with its reason, like on the web page; the good files beside it are submitted."""

from __future__ import annotations

from app.analysis import messages
from app.models import Document
from tests.analysis import factories
from tests.api.conftest import RESUME, error_of, set_setting
from tests.engine.helpers import count_rows
from tests.security import zips

OPENING_FORM = {"title": "Python Developer", "description": "Python, SQL and Docker"}


def _resume(n: int) -> bytes:
    return RESUME.replace("Jane Doe", f"Candidate {n}").encode()


def _post(api, user, files):
    return api.post("/batches", user, data=OPENING_FORM,
                    files=[("files", (name, data, "application/octet-stream"))
                           for name, data in files])


def test_a_zip_bomb_beside_good_files_is_rejected_and_the_rest_submitted(api):
    alice = api.user()
    bomb = factories.zip_bomb(20 * 1024 * 1024)  # 20 MB of spaces in ~20 KB
    good = factories.make_zip({"cv2.txt": _resume(2), "cv3.txt": _resume(3)})
    response = _post(api, alice, [("cv1.txt", _resume(1)), ("bomb.zip", bomb),
                                  ("resumes.zip", good)])
    # Before: 413 for the whole request, the three good resumes lost
    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["total"] == 3
    assert batch["rejected"] == [{"name": "bomb.zip", "reason": (
        "The archive 'bomb.zip' was refused: 'resume.txt' inside it expands more than 100"
        " times its packed size, which is how harmful archives work. Make the archive again"
        " from the original files.")}]
    items = api.get(f"/batches/{batch['id']}/items", alice).json()["data"]
    assert sorted(i["name"] for i in items) == ["cv1.txt", "cv2.txt", "cv3.txt"]
    assert count_rows(Document) == 3


def test_a_zip_lying_about_its_entry_count_is_rejected_before_it_is_parsed(api, monkeypatch):
    from app.analysis import unpack

    opened: list[int] = []
    real_zipfile = unpack.zipfile.ZipFile
    monkeypatch.setattr(unpack.zipfile, "ZipFile",
                        lambda file, *a, **k: opened.append(1) or real_zipfile(file, *a, **k))
    alice = api.user()
    liar = zips.lying_count_zip(400_000, declared=1)  # 20 MB
    response = _post(api, alice, [("liar.zip", liar), ("cv1.txt", _resume(1))])
    # Before: zipfile parsed all 400,000 records (~9 s of web CPU and +152 MB), then a 413
    # for the whole request. Now the records are counted, and counting stops past the limit.
    assert response.status_code == 201, response.text
    assert response.json()["total"] == 1
    assert response.json()["rejected"] == [{"name": "liar.zip", "reason": (
        "The archive 'liar.zip' holds more than 1000 files; at most 1000 are allowed in one"
        " archive. Split it into smaller archives.")}]
    assert opened == []


def test_a_small_zip_of_compressible_entries_stores_nothing(api):
    alice = api.user()
    archive = zips.small_entries_zip(190, 1_000_000)  # ~490 KB
    for n in range(3):
        response = _post(api, alice, [("cvs.zip", archive), (f"cv{n}.txt", _resume(n))])
        assert response.status_code == 201, response.text
        assert response.json()["total"] == 1
        assert response.json()["rejected"] == [
            {"name": "cvs.zip", "reason": messages.archive_bomb("cvs.zip", "cv000.txt", 100.0)}]
    # Before: 3 x 190 documents of 1 MB (570 MB); now the three resumes beside it
    assert count_rows(Document) == 3


def test_when_no_file_is_usable_each_is_named_with_its_reason(api):
    alice = api.user()
    archive, _ = zips.shared_entry_zip(150)
    response = _post(api, alice, [("shared.zip", archive), ("empty.txt", b"")])
    assert error_of(response) == (422, "invalid_input")
    assert response.json()["error"]["message"] == "None of the files could be used."
    assert response.json()["error"]["details"] == [
        {"name": "shared.zip", "reason": messages.archive_bomb_total("shared.zip", 100.0)},
        {"name": "empty.txt", "reason": messages.EMPTY_FILE}]
    assert count_rows(Document) == 0


def test_archives_share_one_upload_limit_for_what_they_unpack_to(api, monkeypatch):
    set_setting(monkeypatch, "max_upload_bytes", 1024 * 1024)
    alice = api.user()
    text = factories.random_bytes(300_000).hex().encode()  # 600 KB, packs ~2 times
    first = factories.make_zip({"a.txt": b"Candidate A\n" + text})
    second = factories.make_zip({"b.txt": b"Candidate B\n" + text})
    assert len(first) + len(second) < 1024 * 1024
    response = _post(api, alice, [("first.zip", first), ("second.zip", second)])
    # Before: both unpacked in full, 1.2 MB of items under a 1 MB limit
    assert response.status_code == 201, response.text
    assert response.json()["total"] == 1
    assert response.json()["rejected"] == [{"name": "second.zip", "reason": (
        messages.archive_too_big("second.zip", 1024 * 1024 - len(b"Candidate A\n" + text)))}]
    # The request as a whole over the limit is still refused at once
    over = _post(api, alice, [("big.txt", b"x" * (1024 * 1024 + 1))])
    assert error_of(over) == (413, "too_large")
