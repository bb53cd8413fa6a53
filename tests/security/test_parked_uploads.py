"""Audit finding 8: files added to New screening pages and not yet submitted are parked
on disk, bounded per page, per user and per process, and freed when the page goes (the page itself:
tests/ui/test_pending_files.py).
(Before: three open pages holding 190 MB each took the web process from 532 MB to 1 GB,
and kept it after the sockets closed.)"""

from __future__ import annotations

import os
import tracemalloc

from app.recruiting import parking
from app.settings import Settings
from tests.ui.helpers import resume_txt
from ui.views.new import Pending

MB = 1024 * 1024


def _resume(i: int, size: int) -> bytes:
    # Distinct content per file (the same file twice is kept once), text a .txt reader takes.
    head = resume_txt(f"Person {i}", "Python")
    return head + os.urandom(size // 2).hex().encode()[: size - len(head)]


def test_parked_files_are_on_disk_not_in_memory(tmp_path):
    settings = Settings(max_file_bytes=20 * MB, max_upload_bytes=200 * MB)
    lot = parking.ParkingLot(max_bytes=1024 * MB, max_bytes_per_user=1024 * MB,
                             folder=tmp_path)
    files = [_resume(i, 10 * MB) for i in range(12)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pages = [Pending(settings, user_id=7, lot=lot) for _ in range(3)]
        for n, page in enumerate(pages):
            for data in files[n * 4:(n + 1) * 4]:
                page.add_upload(f"cv{n}.txt", data)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 120 MB parked by three pages, under 1 MB of it in this process's memory
    assert [len(p.files) for p in pages] == [4, 4, 4]
    assert lot.total_bytes == sum(len(d) for d in files) == 12 * 10 * MB
    assert held < MB, held
    assert sorted(p.read() for page in pages for p in page.files) == sorted(files)
    on_disk = sorted(lot.folder.iterdir())
    assert len(on_disk) == 12 and all(f.stat().st_mode & 0o777 == 0o600 for f in on_disk)
    # A page that goes frees its files, on disk and in the counts
    pages[0].close()
    assert len(list(lot.folder.iterdir())) == 8 and lot.total_bytes == 8 * 10 * MB
    assert lot.user_bytes(7) == 8 * 10 * MB


def test_one_user_and_the_whole_process_are_bounded(tmp_path):
    settings = Settings(max_file_bytes=20 * MB, max_upload_bytes=200 * MB)
    lot = parking.ParkingLot(max_bytes=50 * MB, max_bytes_per_user=30 * MB, folder=tmp_path)
    alice_1, alice_2 = Pending(settings, 1, lot), Pending(settings, 1, lot)
    bob, carol = Pending(settings, 2, lot), Pending(settings, 3, lot)
    alice_1.add_upload("a1.txt", _resume(1, 20 * MB))
    alice_2.add_upload("a2.txt", _resume(2, 20 * MB))  # over Alice's 30 MB, on another page
    assert [(r.name, r.reason) for r in alice_2.rejected] == [(
        "a2.txt", "Your open New screening pages already hold 30 MB of files not yet"
        " submitted. Start those screenings or close their pages, then add this file again.")]
    bob.add_upload("b.txt", _resume(3, 20 * MB))
    carol.add_upload("c.txt", _resume(4, 20 * MB))  # 60 MB would pass the process's 50
    assert [(r.name, r.reason) for r in carol.rejected] == [(
        "c.txt", "The server is holding too many files that wait to be submitted. Please try"
        " again in a few minutes.")]
    assert (lot.total_bytes, len(list(lot.folder.iterdir()))) == (40 * MB, 2)
    alice_1.close()
    alice_2.add_upload("a2.txt", _resume(2, 20 * MB))
    assert [f.name for f in alice_2.files] == ["a2.txt"]
