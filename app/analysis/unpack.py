"""One upload in, the documents to analyse out: a ZIP archive becomes one file per entry.

Archives are untrusted, so every limit is checked twice: against the sizes the archive
declares (cheap, before reading anything) and against the bytes actually produced while
reading (so a header that lies cannot slip past). The entries are counted in the central
directory before zipfile builds an object for each, and the compression ratio is bounded
per entry at any size and for the archive as a whole, so neither one huge entry nor many
small ones (nor entries sharing the same packed bytes) can grow a small upload into a
large amount of stored data. Entry names are only ever displayed, never used as paths,
and are reduced to a safe base name.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from app.analysis.errors import TooLarge

from . import messages
from .sniff import READABLE_KINDS, detect_type, unsupported_reason, zip_entry_count

# How many entries the archive may hold, junk included (macOS adds one per file),
# before it is refused without being opened.
DECLARED_ENTRIES_FACTOR = 4
_CHUNK = 64 * 1024
_MAX_NAME_CHARS = 180
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Rejected:
    name: str
    reason: str


@dataclass(frozen=True)
class UnpackResult:
    files: list[UploadedFile]
    rejected: list[Rejected]


def unpack_upload(
    filename: str,
    data: bytes,
    *,
    max_file_bytes: int,
    max_entries: int,
    max_total_bytes: int,
    max_ratio: float,
    max_entry_bytes: int | None = None,
) -> UnpackResult:
    """Split one upload into documents; refuse what cannot be a resume, with a reason.

    `max_entry_bytes` caps a file inside an archive (a resume is small; default: the
    single-file limit). Raises TooLarge / InvalidInput only for an archive that breaks the
    archive limits (too many entries, too much data, a compression bomb); everything else
    that cannot be used lands in `rejected`.
    """
    name = safe_name(filename)
    kind = detect_type(data)
    if kind != "zip":
        reason = _single_file_problem(name, data, kind, max_file_bytes)
        if reason:
            return UnpackResult([], [Rejected(name, reason)])
        return UnpackResult([UploadedFile(name, data)], [])
    entry_bytes = min(max_file_bytes, max_entry_bytes or max_file_bytes)
    limits = _Limits(entry_bytes, max_entries, max_total_bytes, max_ratio, len(data))
    return _unpack_zip(name, data, limits)


def safe_name(raw: str) -> str:
    """A display name with no directories, control characters or path tricks."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME_CHARS.sub("_", base).strip().strip(".").strip()
    if len(base) > _MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        base = base[: _MAX_NAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return base or "file"


@dataclass(frozen=True)
class _Limits:
    file_bytes: int
    entries: int
    total_bytes: int
    ratio: float
    archive_bytes: int

    @property
    def expanded_bytes(self) -> float:
        """The most all entries together may expand to: the ratio applies to the archive."""
        return self.ratio * max(self.archive_bytes, 1)


def _single_file_problem(name: str, data: bytes, kind: str, max_file_bytes: int) -> str | None:
    if not data:
        return messages.EMPTY_FILE
    if len(data) > max_file_bytes:
        return messages.too_large(max_file_bytes)
    if kind not in READABLE_KINDS:
        return unsupported_reason(data, name)
    return None


def _unpack_zip(archive_name: str, data: bytes, limits: _Limits) -> UnpackResult:
    most = limits.entries * DECLARED_ENTRIES_FACTOR + 16
    count = zip_entry_count(data, stop_after=most)
    if count is None:
        return UnpackResult([], [Rejected(archive_name, messages.DAMAGED_ARCHIVE)])
    if count > most:
        raise TooLarge(messages.archive_too_many_entries(archive_name, limits.entries))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return UnpackResult([], [Rejected(archive_name, messages.DAMAGED_ARCHIVE)])
    with archive:
        entries = [info for info in archive.infolist() if not _is_skipped(info)]
        _check_declared(archive_name, entries, limits)
        result = _read_entries(archive_name, archive, entries, limits)
    if not result.files and not result.rejected:
        return UnpackResult([], [Rejected(archive_name, messages.EMPTY_ARCHIVE)])
    return result


def _check_declared(archive_name: str, entries: list[zipfile.ZipInfo], limits: _Limits) -> None:
    if len(entries) > limits.entries:
        raise TooLarge(messages.archive_too_many(archive_name, len(entries), limits.entries))
    wanted = [i for i in entries if i.file_size <= limits.file_bytes]
    declared_total = sum(i.file_size for i in wanted)
    if declared_total > limits.total_bytes:
        raise TooLarge(messages.archive_too_big(archive_name, limits.total_bytes))
    for info in entries:
        if info.file_size > limits.ratio * max(info.compress_size, 1):
            raise TooLarge(messages.archive_bomb(archive_name, _entry_name(info), limits.ratio))
    if declared_total > limits.expanded_bytes:
        raise TooLarge(messages.archive_bomb_total(archive_name, limits.ratio))


def _read_entries(
    archive_name: str, archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: _Limits
) -> UnpackResult:
    files: list[UploadedFile] = []
    rejected: list[Rejected] = []
    used_names: set[str] = set()
    total = 0
    for info in entries:
        name = _entry_name(info)
        if info.flag_bits & 0x1:
            rejected.append(Rejected(name, messages.ENCRYPTED_ENTRY))
            continue
        if info.file_size > limits.file_bytes:
            rejected.append(Rejected(name, messages.too_large(limits.file_bytes)))
            continue
        try:
            content = _read_bounded(archive_name, archive, info, limits, total)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                NotImplementedError, ValueError):
            rejected.append(Rejected(name, messages.DAMAGED_ENTRY))
            continue
        if content is None:
            rejected.append(Rejected(name, messages.too_large(limits.file_bytes)))
            continue
        total += len(content)
        kind = detect_type(content)
        if kind == "zip":
            rejected.append(Rejected(name, messages.NESTED_ARCHIVE))
        elif (reason := _single_file_problem(name, content, kind, limits.file_bytes)) is not None:
            rejected.append(Rejected(name, reason))
        else:
            files.append(UploadedFile(_unique(name, used_names), content))
    return UnpackResult(files, rejected)


def _read_bounded(
    archive_name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: _Limits,
    total_so_far: int,
) -> bytes | None:
    """The entry's bytes, counted as they come; None if the entry is over the file limit."""
    chunks: list[bytes] = []
    produced = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            produced += len(chunk)
            if total_so_far + produced > limits.total_bytes:
                raise TooLarge(messages.archive_too_big(archive_name, limits.total_bytes))
            # At any size: a thousand small entries of a thousand times their packed size
            # store as much as one big one.
            if produced > limits.ratio * max(info.compress_size, 1):
                raise TooLarge(messages.archive_bomb(archive_name, _entry_name(info), limits.ratio))
            # And for the archive: entries that declare large packed sizes, or share the
            # same packed bytes, pass the test above one by one.
            if total_so_far + produced > limits.expanded_bytes:
                raise TooLarge(messages.archive_bomb_total(archive_name, limits.ratio))
            if produced > limits.file_bytes:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _is_skipped(info: zipfile.ZipInfo) -> bool:
    """Folders and the junk that operating systems add to archives."""
    if info.is_dir():
        return True
    parts = info.filename.replace("\\", "/").split("/")
    base = parts[-1]
    return "__MACOSX" in parts or base.lower() in _JUNK_NAMES or base.startswith("._")


def _entry_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag zipfile decodes names as cp437, but many tools write
        # UTF-8 anyway; undo the wrong guess when the bytes are valid UTF-8.
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return safe_name(name)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    used.add(candidate.lower())
    return candidate
