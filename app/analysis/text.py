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
from functools import cached_property

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


def _table_keys(table: dict[int, object]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(map(chr, table))) + "]")


# str.translate with a dict visits every character in Python's slow path (a quarter of a
# millisecond per resume and table); most texts hold none of the characters: look first.
_CLEAN_KEYS = _table_keys(_CLEAN_TABLE)
_MARK_KEYS = _table_keys(_MARKS)
_MATCH_KEYS = _table_keys(_MATCH_TABLE)


def _translate(text: str, table: dict[int, object], keys: re.Pattern[str]) -> str:
    return text.translate(table) if keys.search(text) else text


def clean(text: str) -> str:
    """Tidy extracted text: one newline style, no invisible or control characters."""
    text = _translate(text.replace("\r\n", "\n").replace("\r", "\n"), _CLEAN_TABLE,
                      _CLEAN_KEYS)
    text = _CONTROL.sub("", text)
    # Per line rather than one regex: a regex over long runs of spaces is quadratic.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def normalise(text: str) -> str:
    """Text ready for matching; offsets refer to this string, not the input."""
    # Marks first: NFKC would turn "Python™" into "PythonTM", one unknown word.
    text = _translate(text, _MARKS, _MARK_KEYS)
    # NFKC expands ligatures and full-width forms and turns exotic spaces into spaces.
    text = _translate(unicodedata.normalize("NFKC", text), _MATCH_TABLE, _MATCH_KEYS)
    return _LINE_END_HYPHEN.sub("", text)


# A token is a word (letters and digits, with inner dots, ampersands and apostrophes kept
# so that "Node.js", "ASP.NET", "R&D" and "P&L" stay whole), optionally led by a dot
# (".NET") and followed by "+"/"#" ("C++", "C#", "A+"); or a single punctuation mark, so
# that commas, slashes and bullets separate phrases. ASCII hyphens are dropped: "front-end"
# and "front end" are the same phrase.
_TOKEN = re.compile(
    r"(?:(?<![\w.])\.(?=\w))?\w+(?:[.&']\w+)*(?:[+#]{1,2}(?![\w+#]))?|[^\w\s-]"
)


@dataclass(frozen=True)
class Tokens:
    """Tokens of a normalised text: parallel tuples, cheap to index in hot loops."""

    text: str
    words: tuple[str, ...]
    lower: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.words)

    # Where each token starts and ends in `text`: worked out on first use, as few matchers
    # need them (keeping them for every text cost a third of tokenizing).
    @cached_property
    def _spans(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        spans = [m.span() for m in _TOKEN.finditer(self.text)]
        starts, ends = zip(*spans) if spans else ((), ())
        return tuple(starts), tuple(ends)

    @property
    def starts(self) -> tuple[int, ...]:
        return self._spans[0]

    @property
    def ends(self) -> tuple[int, ...]:
        return self._spans[1]


def tokenize(normalised: str) -> Tokens:
    words = tuple(_TOKEN.findall(normalised))  # the pattern has no capturing group
    # casefold maps character by character and no token holds a space: one call for all.
    lower = tuple(" ".join(words).casefold().split(" ")) if words else ()
    return Tokens(normalised, words, lower)


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
