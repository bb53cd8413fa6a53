"""Text from HTML and RTF resumes: small strippers, no rendering.

Both keep line structure (block elements and paragraphs become line breaks) because the
profile reads names and section headings line by line.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

_HTML_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt footer h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table tr ul".split()
)
_HTML_SKIPPED = frozenset({"script", "style", "head", "noscript", "template", "svg"})


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HTML_SKIPPED:
            self._skipping += 1
        elif tag in _HTML_BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        if tag == "li":
            self.parts.append("• ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _HTML_BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Source line breaks inside a paragraph are just spaces in HTML.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(lines)


# RTF: groups whose text is not document text (fonts, styles, pictures, metadata, fields'
# instructions). Any group starting with "\*" is skipped too.
_RTF_SKIPPED = frozenset(
    "annotation atnauthor atnid author bkmkend bkmkstart blipuid buptim category colortbl "
    "comment company creatim datafield datastore docvar fchars filetbl fldinst fonttbl "
    "footnote formfield generator info keywords latentstyles lchars listoverridetable "
    "listtable listtext mmathPr nonshppict object objdata operator pgdsctbl pict pntext "
    "pntxta pntxtb printim private protusertbl revtbl revtim rsidtbl shpinst stylesheet "
    "subject themedata title userprops wgrffmtfilter xmlnstbl".split()
)
_RTF_CHARS = {
    "par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "cell": "\t",
    "tab": "\t", "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022",
    "lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d",
    "emspace": " ", "enspace": " ", "qmspace": " ",
}
_RTF_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+"
    r"|([^\\{}\r\n]+)"
)


def rtf_to_text(raw: bytes) -> str:
    source = raw.decode("latin-1")
    codepage = "cp1252"
    stack: list[tuple[int, bool]] = []
    skipping = False
    uc_skip, pending_skip = 1, 0  # \uN is followed by uc_skip fallback characters
    out: list[str] = []
    for m in _RTF_TOKEN.finditer(source):
        word, arg, hex_code, symbol, brace, run = m.groups()
        if run is not None:
            if pending_skip:
                run, pending_skip = run[pending_skip:], max(0, pending_skip - len(run))
            if not skipping:
                out.append(run)
        elif hex_code is not None:
            if pending_skip:
                pending_skip -= 1
            elif not skipping:
                out.append(bytes([int(hex_code, 16)]).decode(codepage, errors="replace"))
        elif brace is not None:
            pending_skip = 0
            if brace == "{":
                stack.append((uc_skip, skipping))
            elif stack:
                uc_skip, skipping = stack.pop()
        elif symbol is not None:
            pending_skip = 0
            if symbol == "*":
                skipping = True
            elif not skipping:
                out.append({"~": "\u00a0", "_": "-", "-": "", "\n": "\n", "\r": "\n"}.get(
                    symbol, symbol if symbol in "{}\\" else ""))
        elif word is not None:
            pending_skip = 0
            if word in _RTF_SKIPPED:
                skipping = True
            elif word == "ansicpg" and arg:
                codepage = _codepage(arg)
            elif word == "uc" and arg:
                uc_skip = int(arg)
            elif skipping:
                continue
            elif word == "u" and arg:
                code = int(arg)
                out.append(chr(code + 0x10000 if code < 0 else code))
                pending_skip = uc_skip
            elif word in _RTF_CHARS:
                out.append(_RTF_CHARS[word])
    return "".join(out)


def _codepage(number: str) -> str:
    try:
        return codecs.lookup(f"cp{number}").name
    except LookupError:
        return "cp1252"
