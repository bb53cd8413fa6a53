"""Text from Word (.docx) files, streamed, with the package checked before any XML parser sees it.

lxml parses XML in C, where the time limit cannot interrupt it, so the dangerous inputs
are refused up front: any part declaring a DOCTYPE or ENTITY (entity-expansion "XML
bombs"; Word never writes them), packages that decompress to more than a resume could
need, and XML parts far larger than a resume's. The decompressed bytes are counted while
reading, so a ZIP header that lies about sizes cannot get past the bounds.

Memory is bounded per document, not only per byte: no tree is ever built. A 60 MB
document.xml of tiny runs makes a tree of millions of nodes (about 1 GB); here the parser
calls back for each tag as the part is read in small chunks, only the text is kept, and
reading stops once enough text is in hand.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

from lxml import etree

from app.analysis.errors import DocumentError

from . import messages

MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # the whole package, pictures included
# One XML part: a real resume's document.xml is well under 1 MB, even with many drawings.
MAX_XML_PART_BYTES = 16 * 1024 * 1024
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
_XML_SUFFIXES = (".xml", ".rels")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT, _TAB, _BREAKS, _PARAGRAPH = _W + "t", _W + "tab", {_W + "br", _W + "cr"}, _W + "p"
_NO_BREAK_HYPHEN, _BODY = _W + "noBreakHyphen", _W + "body"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_OFFICE_DOCUMENT, _HEADER, _FOOTER = _RT + "officeDocument", _RT + "header", _RT + "footer"


def extract_docx(
    data: bytes,
    *,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    max_xml_bytes: int = MAX_XML_PART_BYTES,
    max_chars: int | None = None,
) -> str:
    """Page headers, body, then footers, one block each (repeated blocks once).

    With `max_chars`, reading stops soon after that many characters of text have been
    collected (the text returned may be somewhat longer; the caller cuts it).
    """
    check_package(data, max_unpacked_bytes=max_unpacked_bytes, max_xml_bytes=max_xml_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            reader = _Reader(package, max_xml_bytes, max_chars)
            main = reader.main_part()
            headers, footers = reader.header_and_footer_parts(main)
            texts = [reader.text(name) for name in headers]
            texts.append(reader.text(main, scope=_BODY))
            texts += [reader.text(name) for name in footers]
    except DocumentError:
        raise
    except Exception as exc:  # lxml and zipfile raise many types for broken files
        raise DocumentError(messages.damaged("Word file")) from exc
    seen: set[str] = set()
    unique = [t for t in texts if t.strip() and not (t in seen or seen.add(t))]
    return "\n".join(unique)


def check_package(
    data: bytes,
    *,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    max_xml_bytes: int = MAX_XML_PART_BYTES,
) -> None:
    """Refuse a Word package that is damaged, oversized, or declares XML entities."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > MAX_PARTS:
                raise DocumentError(messages.UNSAFE_WORD)
            if sum(info.file_size for info in infos) > max_unpacked_bytes:
                raise DocumentError(messages.word_too_large(max_unpacked_bytes))
            if any(_is_xml(info.filename) and info.file_size > max_xml_bytes for info in infos):
                raise DocumentError(messages.word_xml_too_large(max_xml_bytes))
            unpacked = 0
            for info in infos:
                if info.flag_bits & 0x1:
                    raise DocumentError(messages.ENCRYPTED_WORD)
                unpacked = _scan_part(package, info, unpacked, max_unpacked_bytes, max_xml_bytes)
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, KeyError) as exc:
        raise DocumentError(messages.damaged("Word file")) from exc


def _is_xml(name: str) -> bool:
    return name.lower().endswith(_XML_SUFFIXES)


def _scan_part(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, unpacked: int, limit: int, xml_limit: int
) -> int:
    part_limit = xml_limit if _is_xml(info.filename) else None
    part_bytes = 0
    tail = b""
    with package.open(info) as part:
        while chunk := part.read(_CHUNK):
            unpacked += len(chunk)
            part_bytes += len(chunk)
            if unpacked > limit:
                raise DocumentError(messages.word_too_large(limit))
            if part_limit is not None and part_bytes > part_limit:
                raise DocumentError(messages.word_xml_too_large(part_limit))
            window = tail + chunk
            if any(declaration in window for declaration in _DECLARATIONS):
                raise DocumentError(messages.UNSAFE_WORD)
            tail = chunk[-_OVERLAP:]
    return unpacked


class _Reader:
    """Reads parts of one checked package, sharing one budget of text between them."""

    def __init__(self, package: zipfile.ZipFile, max_xml_bytes: int, max_chars: int | None):
        self._package = package
        self._names = set(package.namelist())
        self._max_xml_bytes = max_xml_bytes
        self._left = max_chars

    def main_part(self) -> str:
        for _, target, _ in self._relationships("_rels/.rels", {_OFFICE_DOCUMENT}):
            return self._existing(_resolve("", target))
        raise DocumentError(messages.damaged("Word file"))

    def header_and_footer_parts(self, main: str) -> tuple[list[str], list[str]]:
        # Contact details often sit in the page header, which the body alone misses.
        # Each part once: a forged package may point thousands of relationships at one.
        headers: dict[str, None] = {}
        footers: dict[str, None] = {}
        folder, base = posixpath.split(main)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in self._names:
            return [], []
        for rel_type, target, mode in self._relationships(rels, {_HEADER, _FOOTER}):
            if mode == "External":
                continue
            name = self._existing(_resolve(folder, target))
            (headers if rel_type == _HEADER else footers)[name] = None
        return list(headers), list(footers)

    def text(self, name: str, *, scope: str | None = None) -> str:
        """Text of a WordprocessingML part in reading order, text boxes and tables included."""
        if self._left is not None and self._left <= 0:
            return ""  # enough text already: what follows would be cut anyway
        collector = _TextCollector(scope, self._left)
        self._parse(name, collector)
        text = collector.result()
        if self._left is not None:
            self._left -= len(text)
        return text

    def _relationships(self, name: str, types: set[str]) -> list[tuple[str, str, str]]:
        """(type, target, mode) of the relationships of `types` in a .rels part, in order."""
        collector = _RelationshipCollector(types, limit=MAX_PARTS)
        self._parse(name, collector)
        return collector.found

    def _existing(self, name: str) -> str:
        if name not in self._names:
            raise DocumentError(messages.damaged("Word file"))
        return name

    def _parse(self, name: str, target: _Collector) -> None:
        # A parser target gets callbacks and builds no tree, so memory stays flat however
        # many elements the part holds. Entities stay unresolved (and were refused above).
        parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False)
        read = 0
        with self._package.open(name) as part:
            while chunk := part.read(_CHUNK):
                read += len(chunk)
                if read > self._max_xml_bytes:  # a part not named .xml escapes the scan's cap
                    raise DocumentError(messages.word_xml_too_large(self._max_xml_bytes))
                parser.feed(chunk)
                if target.done:
                    return  # the rest would not be used; stop parsing it
        parser.close()


def _resolve(folder: str, target: str) -> str:
    """The ZIP member a relationship's target names (relative to the source's folder)."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join("/", folder, target)).lstrip("/")


class _Collector:
    done = False

    def start(self, tag: str, attrib) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        return None


class _RelationshipCollector(_Collector):
    def __init__(self, types: set[str], limit: int) -> None:
        self.found: list[tuple[str, str, str]] = []
        self._types = types
        self._limit = limit

    def start(self, tag: str, attrib) -> None:
        if tag != _RELATIONSHIP or attrib.get("Type") not in self._types:
            return
        if len(self.found) >= self._limit:  # more than a package has parts: forged
            raise DocumentError(messages.UNSAFE_WORD)
        self.found.append((attrib.get("Type", ""), attrib.get("Target", ""),
                           attrib.get("TargetMode", "")))


class _TextCollector(_Collector):
    """w:t text, tabs, breaks and paragraph ends, as the parser meets them.

    The VML fallback copy of each text box (mc:Fallback) is skipped so it is not read twice.
    `scope`, when given, is the one element whose content counts (w:body in the document).
    """

    def __init__(self, scope: str | None, max_chars: int | None) -> None:
        self._out: list[str] = []
        self._size = 0
        self._max = max_chars
        self._active = scope is None
        self._scope = scope
        self._skipping = 0  # depth inside mc:Fallback
        self._in_text = False  # directly inside <w:t>, before any child: its .text

    def start(self, tag: str, attrib) -> None:
        self._in_text = False
        if self._skipping:
            self._skipping += tag == _MC_FALLBACK
        elif tag == self._scope:
            self._active = True
        elif not self._active:
            return
        elif tag == _TEXT:
            self._in_text = True
        elif tag == _TAB:
            self._add("\t")
        elif tag in _BREAKS:
            self._add("\n")
        elif tag == _NO_BREAK_HYPHEN:
            self._add("-")
        elif tag == _MC_FALLBACK:
            self._skipping = 1

    def end(self, tag: str) -> None:
        self._in_text = False
        if self._skipping:
            self._skipping -= tag == _MC_FALLBACK
        elif tag == self._scope:
            self._active = False
        elif self._active and tag == _PARAGRAPH:
            self._add("\n")

    def data(self, data: str) -> None:
        if self._in_text:
            self._add(data)

    def comment(self, text: str) -> None:
        self._in_text = False  # a comment child ends w:t's own text, as in a tree

    def pi(self, target: str, data: str | None = None) -> None:
        self._in_text = False

    def _add(self, text: str) -> None:
        self._out.append(text)
        self._size += len(text)
        if self._max is not None and self._size >= self._max:
            self.done = True

    def result(self) -> str:
        return "".join(self._out)
