"""Files a recruiter has added to a form but not submitted yet, parked on disk.

A New screening page may hold up to an upload's limit for minutes; several pages held in
memory took a web process from 0.5 to 1 GB, and kept it after they closed. Parked files
go to a private folder instead, and what they may take is bounded three ways: one form
(the upload limit), one user (all their open forms) and the whole process. A form frees
its files when it is submitted or its page goes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import TooLarge
from app.units import human_size


@dataclass(frozen=True)
class ParkedFile:
    name: str
    size: int
    digest: str  # SHA-256 of the content: the same file added twice is kept once
    path: Path = field(repr=False)

    def read(self) -> bytes:
        return self.path.read_bytes()


class ParkingLot:
    """One per process: the folder and the byte counts of every open form."""

    def __init__(self, max_bytes: int, max_bytes_per_user: int,
                 folder: Path | None = None) -> None:
        self.max_bytes, self.max_bytes_per_user = max_bytes, max_bytes_per_user
        # mkdtemp: a folder only this process's user can read (mode 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="shortlist-parked-", dir=folder))
        self._lock = threading.Lock()
        self._total = 0
        self._by_user: dict[int, int] = {}

    @property
    def total_bytes(self) -> int:
        return self._total

    def user_bytes(self, user_id: int) -> int:
        return self._by_user.get(user_id, 0)

    def _reserve(self, user_id: int, n: int) -> None:
        with self._lock:
            if self._by_user.get(user_id, 0) + n > self.max_bytes_per_user:
                raise TooLarge(
                    "Your open New screening pages already hold"
                    f" {human_size(self.max_bytes_per_user)} of files not yet submitted."
                    " Start those screenings or close their pages, then add this file again.")
            if self._total + n > self.max_bytes:
                raise TooLarge("The server is holding too many files that wait to be"
                               " submitted. Please try again in a few minutes.")
            self._total += n
            self._by_user[user_id] = self._by_user.get(user_id, 0) + n

    def _release(self, user_id: int, n: int) -> None:
        with self._lock:
            self._total -= n
            left = self._by_user.get(user_id, 0) - n
            if left > 0:
                self._by_user[user_id] = left
            else:
                self._by_user.pop(user_id, None)

    def form(self, user_id: int) -> ParkedForm:
        return ParkedForm(self, user_id)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class ParkedForm:
    """The files of one open form. Names are shown, never used as paths."""

    def __init__(self, lot: ParkingLot, user_id: int) -> None:
        self.lot, self.user_id = lot, user_id
        self.files: list[ParkedFile] = []
        self.closed = False

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def park(self, name: str, data: bytes) -> ParkedFile:
        """Write the file to disk; raises TooLarge (with the reason) past a limit."""
        if self.closed:
            raise TooLarge("This page was closed; open New screening again.")
        self.lot._reserve(self.user_id, len(data))
        path = self.lot.folder / uuid.uuid4().hex
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            self.lot._release(self.user_id, len(data))
            raise
        parked = ParkedFile(name, len(data), hashlib.sha256(data).hexdigest(), path)
        self.files.append(parked)
        return parked

    def remove(self, index: int) -> ParkedFile:
        parked = self.files.pop(index)
        self._free(parked)
        return parked

    def _free(self, parked: ParkedFile) -> None:
        parked.path.unlink(missing_ok=True)
        self.lot._release(self.user_id, parked.size)

    def clear(self) -> None:
        while self.files:
            self._free(self.files.pop())

    def close(self) -> None:
        """Free everything (the form was submitted or its page went); idempotent."""
        self.clear()
        self.closed = True


_lot: ParkingLot | None = None
_lot_lock = threading.Lock()


def get_lot() -> ParkingLot:
    """The process's parking lot, made on first use from the settings."""
    global _lot
    with _lot_lock:
        if _lot is None:
            from app.settings import get_settings

            s = get_settings()
            _lot = ParkingLot(s.parked_upload_max_bytes, s.parked_upload_max_bytes_per_user)
        return _lot


def reset() -> None:
    """Tests: forget the lot (its folder is removed)."""
    global _lot
    with _lot_lock:
        if _lot is not None:
            _lot.close()
        _lot = None
