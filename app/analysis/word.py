"""Text from Word (.docx) files, with the package checked before any XML parser sees it.

lxml parses XML in C, where the time limit cannot interrupt it, so the dangerous inputs
are refused up front: any part declaring a DOCTYPE or ENTITY (entity-expansion "XML
bombs"; Word never writes them), and packages that decompress to more than a resume could
need. The decompressed bytes are counted while reading, so a ZIP header that lies about
sizes cannot get past the bound.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from app.errors import DocumentError

from . import messages

MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_PARTS = 2000
_CHUNK = 64 * 1024


# The declarations in every encoding libxml2 detects on its own. Plain substring tests:
# several fast scans beat one regex with many alternatives here.
_DECLARATIONS = tuple(
    word.encode(codec)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_OVERLAP = 4 * len("<!DOCTYPE")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT, _TAB, _BREAKS, _PARAGRAPH = _W + "t", _W + "tab", {_W + "br", _W + "cr"}, _W + "p"
_NO_BREAK_HYPHEN = _W + "noBreakHyphen"


def extract_docx(data: bytes, *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> str:
    check_package(data, max_unpacked_bytes=max_unpacked_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        headers, footers = _header_and_footer_elements(document)
        blocks = [*headers, document.element.body, *footers]
        texts = [_element_text(block) for block in blocks]
    except DocumentError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types for broken files
        raise DocumentError(messages.damaged("Word file")) from exc
    seen: set[str] = set()
    unique = [t for t in texts if t.strip() and not (t in seen or seen.add(t))]
    return "\n".join(unique)


def check_package(data: bytes, *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a Word package that is damaged, oversized, or declares XML entities."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > MAX_PARTS:
                raise DocumentError(messages.UNSAFE_WORD)
            if sum(info.file_size for info in infos) > max_unpacked_bytes:
                raise DocumentError(messages.word_too_large(max_unpacked_bytes))
            unpacked = 0
            for info in infos:
                if info.flag_bits & 0x1:
                    raise DocumentError(messages.ENCRYPTED_WORD)
                unpacked = _scan_part(package, info, unpacked, max_unpacked_bytes)
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, KeyError) as exc:
        raise DocumentError(messages.damaged("Word file")) from exc


def _scan_part(package: zipfile.ZipFile, info: zipfile.ZipInfo, unpacked: int, limit: int) -> int:
    tail = b""
    with package.open(info) as part:
        while chunk := part.read(_CHUNK):
            unpacked += len(chunk)
            if unpacked > limit:
                raise DocumentError(messages.word_too_large(limit))
            window = tail + chunk
            if any(declaration in window for declaration in _DECLARATIONS):
                raise DocumentError(messages.UNSAFE_WORD)
            tail = chunk[-_OVERLAP:]
    return unpacked


def _header_and_footer_elements(document) -> tuple[list, list]:
    # Contact details often sit in the page header, which `document.paragraphs` misses.
    headers, footers = [], []
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        if rel.reltype == RT.HEADER:
            headers.append(rel.target_part.element)
        elif rel.reltype == RT.FOOTER:
            footers.append(rel.target_part.element)
    return headers, footers


def _element_text(root) -> str:
    """Text of a WordprocessingML element in reading order, text boxes and tables included.

    Walks the XML rather than python-docx's paragraph list, which skips text boxes and
    nested tables. The VML fallback copy of each text box is skipped so it is not read twice.
    """
    out: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "start":
            if tag == _TEXT:
                out.append(element.text or "")
            elif tag == _TAB:
                out.append("\t")
            elif tag in _BREAKS:
                out.append("\n")
            elif tag == _NO_BREAK_HYPHEN:
                out.append("-")
            elif tag == _MC_FALLBACK:
                walker.skip_subtree()
        elif tag == _PARAGRAPH:
            out.append("\n")
    return "".join(out)
