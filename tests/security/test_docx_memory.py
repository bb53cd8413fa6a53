"""A small Word file holding tens of MB of XML must not bloat the worker that reads it.

Audit finding 2: a 210 KB DOCX whose document.xml is 60 MB of tiny paragraphs took a worker
from 270 MB to 1.4 GB (the whole XML tree was built). Each document here is read in a fresh
child process, which reports how far reading raised its own peak RSS: the promise is under
150 MB for any single document.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from app.analysis import extract_text, messages
from app.analysis.extract import MAX_TEXT_CHARS
from app.analysis.word import MAX_XML_PART_BYTES
from app.errors import DocumentError
from tests.analysis import factories

MB = 1024 * 1024
MAX_RSS_GROWTH_MB = 150
REPO = Path(__file__).resolve().parents[2]

_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + _W + b"><w:body>"
_TAIL = b"</w:body></w:document>"
TINY_RUN = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
EMPTY_RUN = b"<w:r/>"  # the most elements per byte, and no text to stop reading early

# Runs in the child: imports first, so only the reading itself counts. The peak is VmHWM,
# reset just before reading, not ru_maxrss: on Linux ru_maxrss carries over the peak of the
# forked copy of pytest from before exec, which would hide the growth.
_CHILD = """
import json, sys, time
from app.analysis import extract_text
from app.errors import DocumentError

def kb(field):
    return int(open("/proc/self/status").read().split(field + ":")[1].split()[0])

data = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak to the current resident size
before = kb("VmRSS")
started = time.monotonic()
try:
    outcome = {"text": extract_text(data)}
except DocumentError as exc:
    outcome = {"refused": exc.message}
outcome["seconds"] = time.monotonic() - started
outcome["rss_growth_mb"] = (kb("VmHWM") - before) / 1024
print(json.dumps(outcome))
"""


def bloated_docx(unit: bytes, xml_bytes: int) -> bytes:
    """A valid DOCX whose document.xml is `unit` repeated to `xml_bytes`, streamed into the ZIP."""
    count = -(-(xml_bytes - len(_HEAD) - len(_TAIL)) // len(unit))  # at least xml_bytes
    block = unit * 10_000
    source = zipfile.ZipFile(io.BytesIO(factories.make_docx("Jane Doe")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info.filename, source.read(info))
                continue
            with package.open("word/document.xml", "w") as part:
                part.write(_HEAD)
                for _ in range(count // 10_000):
                    part.write(block)
                part.write(unit * (count % 10_000) + _TAIL)
    return out.getvalue()


def read_in_a_child(data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "resume.docx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_the_audits_60_mb_docx_is_refused_without_growing_the_worker(tmp_path: Path) -> None:
    data = bloated_docx(TINY_RUN, 60 * MB)
    assert len(data) < 300_000  # the audit's file: about 210 KB on disk
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size >= 60 * MB
    outcome = read_in_a_child(data, tmp_path)
    print(f"\n60 MB of XML in {len(data) // 1024} KB: +{outcome['rss_growth_mb']:.0f} MB peak RSS, "
          f"{outcome['seconds']:.2f} s")
    assert outcome.get("refused") == messages.word_xml_too_large(MAX_XML_PART_BYTES)
    assert outcome["rss_growth_mb"] < MAX_RSS_GROWTH_MB
    assert outcome["seconds"] < 5


def test_a_docx_that_lies_about_its_xml_size_is_refused_too(tmp_path: Path) -> None:
    data = bytearray(bloated_docx(TINY_RUN, 60 * MB))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1_000)  # local header's size
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(b"word/document.xml")] != b"word/document.xml":
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1_000)  # central directory's size
    outcome = read_in_a_child(bytes(data), tmp_path)
    assert outcome.get("refused") == messages.damaged("Word file")  # ZIP's own CRC check
    assert outcome["rss_growth_mb"] < MAX_RSS_GROWTH_MB


@pytest.mark.parametrize("unit, expected", [
    # Tiny runs: the text is cut at the cap, on a line boundary.
    (TINY_RUN, {"text": "\n".join(["x"] * (MAX_TEXT_CHARS // 2))}),
    # Millions of empty runs: read to the end, then "empty".
    (EMPTY_RUN, {"refused": messages.NO_TEXT}),
], ids=["tiny-runs", "empty-runs"])
def test_xml_just_under_the_cap_is_streamed_in_bounded_memory(
    unit: bytes, expected: dict, tmp_path: Path
) -> None:
    data = bloated_docx(unit, MAX_XML_PART_BYTES - 4096)
    outcome = read_in_a_child(data, tmp_path)
    print(f"\n{MAX_XML_PART_BYTES // MB} MB of XML ({unit.decode()}): "
          f"+{outcome['rss_growth_mb']:.0f} MB peak RSS, {outcome['seconds']:.2f} s")
    assert {key: outcome[key] for key in expected} == expected
    assert outcome["rss_growth_mb"] < MAX_RSS_GROWTH_MB
    assert outcome["seconds"] < 10


def test_streamed_reading_is_stopped_by_the_time_limit() -> None:
    # The tree used to be built in one C call the time limit could not interrupt (stopped
    # 0.8-1.0 s in for a 0.2 s limit); the stream returns to Python every few elements.
    data = bloated_docx(EMPTY_RUN, MAX_XML_PART_BYTES - 4096)
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        extract_text(data, time_limit_s=0.2)
    elapsed = time.monotonic() - started
    print(f"\nstopped {elapsed:.2f} s after the start, limit 0.2 s")
    assert caught.value.message == messages.too_slow(0.2)
    assert elapsed < 0.5
