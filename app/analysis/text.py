"""Text clean-up and the one tokenizer every matcher shares.

Two levels on purpose:
- `clean` tidies extracted text for people (and for line-based rules such as the name and
  section headings): it keeps the lines and the words as written.
- `normalise` prepares text for matching: it undoes what PDF exporters do to words
  (ligatures, hyphenation at line ends, odd spaces and dashes). Matching code uses only
  normalised text and `tokenize`, so a skill alias and a resume are cut up identically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that carry no text but confuse matching: soft hyphen, zero-width spaces and
# joiners, the BOM, and the word joiner.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2002\u2003\u2009\u200a\u3000"), " ")
_CLEAN_TABLE = {**_INVISIBLE, **str.maketrans(_LIGATURES), **_SPACES}
# Control characters other than tab and newline (PDF text sometimes carries them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")

_MATCH_TABLE = {
    **_INVISIBLE,
    **str.maketrans({
        "\u2010": "-", "\u2011": "-",  # hyphens, unlike the en/em dashes of date ranges
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"',
    }),
}
_MARKS = dict.fromkeys(map(ord, "\u2122\u2120\u00ae\u00a9"), " ")
# A word broken at a line end by the exporter: "Java-\nScript", "manage-\nment".
_LINE_END_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\r?\n[ \t]*(?=\w)")


def clean(text: str) -> str:
    """Tidy extracted text: one newline style, no invisible or control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CLEAN_TABLE)
    text = _CONTROL.sub("", text)
    # Per line rather than one regex: a regex over long runs of spaces is quadratic.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def normalise(text: str) -> str:
    """Text ready for matching; offsets refer to this string, not the input."""
    # Marks first: NFKC would turn "Python™" into "PythonTM", one unknown word.
    text = text.translate(_MARKS)
    # NFKC expands ligatures and full-width forms and turns exotic spaces into spaces.
    text = unicodedata.normalize("NFKC", text).translate(_MATCH_TABLE)
    return _LINE_END_HYPHEN.sub("", text)


# A token is a word (letters and digits, with inner dots, ampersands and apostrophes kept
# so that "Node.js", "ASP.NET", "R&D" and "P&L" stay whole), optionally led by a dot
# (".NET") and followed by "+"/"#" ("C++", "C#", "A+"); or a single punctuation mark, so
# that commas, slashes and bullets separate phrases. ASCII hyphens are dropped: "front-end"
# and "front end" are the same phrase.
_TOKEN = re.compile(
    r"(?:(?<![\w.])\.(?=\w))?\w+(?:[.&']\w+)*(?:[+#]{1,2}(?![\w+#]))?|[^\w\s-]"
)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of a normalised text: parallel tuples, cheap to index in hot loops."""

    text: str
    words: tuple[str, ...]
    lower: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.words)


def tokenize(normalised: str) -> Tokens:
    spans = [m.span() for m in _TOKEN.finditer(normalised)]
    words = tuple([normalised[start:end] for start, end in spans])
    starts, ends = zip(*spans) if spans else ((), ())
    # casefold maps character by character and no token holds a space: one call for all.
    lower = tuple(" ".join(words).casefold().split(" ")) if words else ()
    return Tokens(normalised, words, lower, tuple(starts), tuple(ends))


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The case-insensitive token sequence of a skill name or alias."""
    return tokenize(normalise(phrase)).lower


def contains_phrase(tokens: Tokens, key: tuple[str, ...]) -> bool:
    """Whether the token sequence `key` occurs in `tokens` (word-bounded, any case)."""
    if not key:
        return False
    n = len(key)
    first = key[0]
    lower = tokens.lower
    for i, word in enumerate(lower):
        if word == first and lower[i : i + n] == key:
            return True
    return False
