"""Turn uploaded files into a submission's items: the one home of the upload limits.

The web page and the API both hand the files they received to `prepare`, which unpacks
ZIP archives safely (app.analysis.unpack_upload) and applies every limit on the server:
file count, per-file size, total size, archive entries and compression ratio. Refused
files are named with the reason, in words a recruiter understands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.analysis import Rejected, unpack_upload
from app.batches import NewItem
from app.errors import InvalidInput, TooLarge
from app.settings import get_settings
from app.units import human_size


@dataclass
class Prepared:
    items: list[NewItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def prepare(files: Iterable[tuple[str, bytes]]) -> Prepared:
    """Raises TooLarge when the upload as a whole breaks a limit; single bad files go to
    `rejected` and the rest can still be submitted."""
    settings = get_settings()
    prepared = Prepared()
    total = 0
    for name, data in files:
        total += len(data)
        if total > settings.max_upload_bytes:
            raise TooLarge(f"These files add up to more than {human_size(settings.max_upload_bytes)}."
                           " Please upload fewer files at a time.")
        result = unpack_upload(
            name, data, max_file_bytes=settings.max_file_bytes,
            max_entries=settings.zip_max_entries, max_total_bytes=settings.max_upload_bytes,
            max_ratio=settings.zip_max_ratio,
        )
        prepared.items.extend(NewItem(f.name, f.data) for f in result.files)
        prepared.rejected.extend(result.rejected)
        if len(prepared.items) > settings.max_files_per_upload:
            raise TooLarge(f"This upload has more than {settings.max_files_per_upload} files."
                           " Please split it into several screenings.")
    if not prepared.items and not prepared.rejected:
        raise InvalidInput("No files were uploaded.")
    return prepared
