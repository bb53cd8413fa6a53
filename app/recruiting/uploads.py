"""Turn uploaded files into a submission's items: the one home of the upload limits.

The web page and the API both hand the files they received to `prepare`, which unpacks
ZIP archives safely (app.analysis.unpack_upload) and applies every limit on the server:
file count, per-file size, total size, archive entries and compression ratio. Refused
files are named with the reason, in words a recruiter understands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.analysis import Rejected, UnpackResult, unpack_upload
from app.analysis.messages import megabytes
from app.analysis.unpack import safe_name
from app.engine.batches import NewItem
from app.errors import InvalidInput, TooLarge
from app.settings import Settings, get_settings
from app.units import human_size


@dataclass
class Prepared:
    items: list[NewItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def prepare(files: Iterable[tuple[str, bytes]]) -> Prepared:
    """Raises TooLarge when the upload as a whole breaks a limit; single bad files (an
    archive that breaks the archive limits included) go to `rejected` and the rest can
    still be submitted, as on the web page."""
    settings = get_settings()
    prepared = Prepared()
    total = 0
    unpacked = 0  # what the items hold: archives may expand, within the same limit
    for name, data in files:
        total += len(data)
        if total > settings.max_upload_bytes:
            raise TooLarge(f"These files add up to more than {human_size(settings.max_upload_bytes)}."
                           " Please upload fewer files at a time.")
        result = unpack_one(settings, name, data, unpacked)
        prepared.items.extend(NewItem(f.name, f.data) for f in result.files)
        prepared.rejected.extend(result.rejected)
        unpacked += sum(len(f.data) for f in result.files)
        if len(prepared.items) > settings.max_files_per_upload:
            raise TooLarge(f"This upload has more than {settings.max_files_per_upload} files."
                           " Please split it into several screenings.")
    if not prepared.items and not prepared.rejected:
        raise InvalidInput("No files were uploaded.")
    return prepared


def unpack_one(settings: Settings, name: str, data: bytes, taken_bytes: int) -> UnpackResult:
    """The documents in one upload, or why not: an archive that breaks the archive limits
    (a compression bomb, too many entries) is one rejected file, not a refused request."""
    if taken_bytes + len(data) > settings.max_upload_bytes:
        return UnpackResult([], [Rejected(safe_name(name), (
            f"Adding this file would go over the {megabytes(settings.max_upload_bytes)}"
            " limit for one screening. Start another screening for the rest."))])
    try:
        return unpack_upload(
            name, data, max_file_bytes=settings.max_file_bytes,
            max_entries=settings.zip_max_entries,
            max_total_bytes=settings.max_upload_bytes - taken_bytes,
            max_ratio=settings.zip_max_ratio, max_entry_bytes=settings.zip_max_entry_bytes)
    except InvalidInput as exc:  # TooLarge included
        return UnpackResult([], [Rejected(safe_name(name), exc.message)])
