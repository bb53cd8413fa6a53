"""One resume from bytes to result: extract, read the profile, match the opening."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .extract import read, read_document
from .match import Match, match_profile
from .opening import Opening
from .profile import Profile, build_profile
from .text import normalise, tokenize

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Analysis:
    """The result stored for an item. `to_dict()` is plain JSON; `from_dict` reverses it."""

    file: str
    type: str  # the detected document type, e.g. "pdf"
    profile: Profile
    match: Match
    read_by: str = "text"  # "ocr": read from the images of a scanned PDF

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "file": self.file,
            "type": self.type,
            **({"read_by": self.read_by} if self.read_by != "text" else {}),
            "profile": self.profile.to_dict(),
            "match": self.match.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            file=data["file"],
            type=data.get("type", "unknown"),
            profile=Profile.from_dict(data["profile"]),
            match=Match.from_dict(data["match"]),
            read_by=data.get("read_by", "text"),
        )


def analyze(
    data: bytes,
    filename: str,
    opening: Opening,
    *,
    time_limit_s: float = 20.0,
    today: date | None = None,
    **reading: Any,
) -> Analysis:
    """Extract, profile and match one document; raises DocumentError for a bad file.
    `reading`: more options of `extract.read` (ocr_options, max_pages)."""
    document = read(data, time_limit_s=time_limit_s, name=filename, **reading)
    result = analyze_text(document.text, filename, opening, kind=document.kind, today=today)
    return replace(result, read_by=document.read_by)


def analyze_text(
    text: str, filename: str, opening: Opening, *, kind: str = "text", today: date | None = None
) -> Analysis:
    tokens = tokenize(normalise(text))
    profile = build_profile(text, today=today, tokens=tokens)
    return Analysis(filename, kind, profile, match_profile(profile, tokens, opening))


@functools.cache
def reading_version() -> str:
    """Names the code that reads a resume (this package's sources and data): a reading kept
    by other code is read again, so an improved extraction or profile is never bypassed."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def analyze_profile(
    text: str, profile: Profile, filename: str, opening: Opening, *, kind: str = "text"
) -> Analysis:
    """Match a profile read earlier (a re-screen): only the scoring runs."""
    return Analysis(filename, kind, profile, match_profile(profile, tokenize(normalise(text)),
                                                           opening))


def read_profile(
    data: bytes, *, time_limit_s: float = 20.0, today: date | None = None
) -> tuple[str, Profile]:
    """(kind, profile) for a document, when there is no opening to match."""
    kind, text = read_document(data, time_limit_s=time_limit_s)
    return kind, build_profile(text, today=today)
