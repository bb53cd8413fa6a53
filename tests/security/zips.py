"""Hostile ZIP archives, built byte by byte (zipfile cannot write a lie)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


def _local(name: bytes, packed: bytes, crc: int, size: int, method: int) -> bytes:
    return _LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(packed), size,
                       len(name), 0) + name + packed


def _central(name: bytes, packed_size: int, crc: int, size: int, method: int, offset: int) -> bytes:
    return _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc, packed_size, size,
                         len(name), 0, 0, 0, 0, 0, offset) + name


def _end(count: int, directory: bytes, directory_offset: int) -> bytes:
    return _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), directory_offset, 0)


def lying_count_zip(records: int, declared: int = 1) -> bytes:
    """One real entry and a central directory of `records` records all naming it, behind an
    end record that declares `declared` entries: ~52 bytes per record (400,000: 20 MB)."""
    body = b"Jane Doe, Python developer"
    local = _local(b"cv.txt", body, zlib.crc32(body), len(body), 0)
    directory = _central(b"cv.txt", len(body), zlib.crc32(body), len(body), 0, 0) * records
    return local + directory + _end(declared, directory, len(local))


def shared_entry_zip(records: int, size: int = 1_000_000) -> tuple[bytes, float]:
    """`records` central records naming one packed entry of `size` bytes that expands ~50
    times (under the per-entry ratio); returns the archive and that entry's own ratio."""
    rnd = random.Random(3)
    data = b"".join(rnd.randbytes(10).hex().encode() + b" " * 800
                    for _ in range(size // 820 + 1))[:size]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    local = _local(b"cv.txt", packed, crc, size, 8)
    directory = b"".join(_central(f"cv{i:03}.txt".encode(), len(packed), crc, size, 8, 0)
                         for i in range(records))
    return local + directory + _end(records, directory, len(local)), size / len(packed)


def small_entries_zip(entries: int = 190, size: int = 1_000_000) -> bytes:
    """The audit's archive: ~510 KB holding `entries` files of 1 MB (1,000,000 bytes, just
    under the old 1 MiB floor of the ratio test), each ~370 times its packed size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(entries):
            line = f"Jane Doe {i}, Python developer. ".encode()
            archive.writestr(f"cv{i:03}.txt", (line * (size // len(line) + 1))[:size])
    return out.getvalue()
