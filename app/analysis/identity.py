"""Who a resume belongs to: an identity fingerprint, and the rule that says two files are
the same person, possibly the same person, or different people.

Pure. A fingerprint holds the normalised emails and phone numbers, the name, and a text
signature: a MinHash of the text's shingles (SIGNATURE_SIZE small integers, about 700
bytes of JSON), so the PDF and the Word file of one resume, or the same resume with small
edits, look alike while different resumes do not. Shingles are runs of letters and digits
with spaces and punctuation left out: PDF readers glue or split words differently, and
the same file read by two extractor versions measured 0.98 to 1.0 alike this way. It is
stored in the item's result (`result["identity"]`); results stored before it existed fall
back to their profile (contacts and name, no text signature).

The rule (`compare`), with the thresholds named below:
- same person: nearly the same text (estimated Jaccard similarity of the shingles at least
  SAME_TEXT), or the same email and the same phone number; and names that do not conflict
  (a missing name conflicts with nothing);
- possibly the same: one contact detail in common, or fairly similar text (at least
  POSSIBLE_TEXT); or the evidence of "same" with names that conflict (templates reuse
  placeholder contacts and text, people do not share a name);
- otherwise different people.
Placeholder contacts (example.com addresses, 555 numbers, 123-456-7890) never count.

`group` applies the rule to a screening's files: files of the same person form one group
(transitively), whose best-scored file (ties: the earliest uploaded) is kept, and the
others are its duplicates. Pairs are only compared when they share a contact or a band of
the signature (locality-sensitive hashing), so a few thousand files take milliseconds.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from itertools import combinations
from typing import Any, Generic, TypeVar

# Characters per shingle (letters and digits only): about two words, rarely shared by
# chance between different resumes, yet blind to how a reader spaced the words.
SHINGLE_CHARS = 10
# One shingle in SAMPLE is kept (those whose hash is a multiple of it): the same ones in
# every text, so similarity is estimated as well, four times faster.
SAMPLE = 4
# The signature: one-permutation MinHash (Li, Owen and Zhang 2012; densified by rotation,
# Shrivastava and Li 2014). Each shingle is hashed once into one of SIGNATURE_SIZE bins,
# each bin keeps its least value: one pass, about 0.3 ms a resume where 64 separate
# permutations took 21 ms in the worker.
SIGNATURE_SIZE = 64
# Locality-sensitive hashing: files are compared when one band (ROWS_PER_BAND values of
# the signature) is equal; likely from a similarity of about (1/BANDS)**(1/ROWS) = 0.5.
BANDS, ROWS_PER_BAND = 16, 4
# Fewer kept shingles than this (about 100 characters): too little text to compare.
MIN_SHINGLES = 20
# Estimated Jaccard similarity of the shingle sets.
SAME_TEXT = 0.7
POSSIBLE_TEXT = 0.5
# A group larger than this is not one person's files but a template: it is not merged.
MAX_GROUP = 20

_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1
_rng = random.Random(20261208)  # fixed: signatures must agree across processes and years
_HASH_A, _HASH_B = _rng.randrange(1, _PRIME), _rng.randrange(0, _PRIME)
# An empty bin takes the value of the next filled one, shifted by the distance, so that
# two texts agree on it only when they agree on where the values came from.
_ROTATION = _rng.randrange(1, _MASK)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PLACEHOLDER_DOMAINS = {"example.com", "example.org", "example.net", "email.com",
                        "domain.com", "yourdomain.com", "company.com", "website.com"}
_PLACEHOLDER_LOCALS = {"email", "name", "yourname", "your.name", "firstname.lastname",
                       "first.last", "youremail", "your.email", "john.doe", "jane.doe"}
_NAME_PARTICLES = {"de", "van", "von", "der", "da", "di", "la", "le", "del", "mr", "mrs",
                   "ms", "dr", "jr", "sr", "ii", "iii"}


class Verdict(StrEnum):
    same = "same"
    possibly = "possibly"
    different = "different"


@dataclass(frozen=True)
class Fingerprint:
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    name: tuple[str, ...] = ()  # the name's words, normalised; () when none was read
    signature: tuple[int, ...] = ()  # () when the text is too short to compare

    def to_dict(self) -> dict[str, Any]:
        return {"emails": list(self.emails), "phones": list(self.phones),
                "name": " ".join(self.name) or None, "minhash": list(self.signature)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        signature = data.get("minhash") or ()
        valid = len(signature) == SIGNATURE_SIZE and all(type(v) is int for v in signature)
        return cls(
            emails=tuple(str(e) for e in data.get("emails") or ()),
            phones=tuple(str(p) for p in data.get("phones") or ()),
            name=tuple(str(data.get("name") or "").split()),
            signature=tuple(signature) if valid else (),
        )


def fingerprint(name: str | None, emails: Iterable[str], phones: Iterable[str],
                text: str = "") -> Fingerprint:
    """The fingerprint of a resume: its profile's name and contacts, and its text."""
    return Fingerprint(
        emails=tuple(sorted({e for e in map(normal_email, emails) if e})),
        phones=tuple(sorted({p for p in map(normal_phone, phones) if p})),
        name=normal_name(name),
        signature=text_signature(text),
    )


def from_result(result: dict[str, Any] | None) -> Fingerprint | None:
    """The fingerprint stored in an item's result, else one from its profile; None when the
    result has neither (another kind of work, or no result)."""
    if not isinstance(result, dict):
        return None
    stored = result.get("identity")
    if isinstance(stored, dict):
        return Fingerprint.from_dict(stored)
    profile = result.get("profile")
    if isinstance(profile, dict):
        return fingerprint(profile.get("name"), profile.get("emails") or (),
                           profile.get("phones") or ())
    return None


# --- Normalising ------------------------------------------------------------------------


def _ascii_fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    if decomposed.isascii():
        return decomposed.casefold()
    if _ASTRAL.search(decomposed) is None:  # one regex pass, not a Python call a character
        return _combining_marks().sub("", decomposed).casefold()
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@cache
def _combining_marks() -> re.Pattern[str]:
    """The combining marks of the Basic Multilingual Plane, as one character class."""
    marks = "".join(chr(c) for c in range(0x10000) if unicodedata.combining(chr(c)))
    return re.compile("[" + re.escape(marks) + "]")


def normal_email(email: str) -> str | None:
    email = (email or "").strip().casefold()
    local, _, domain = email.partition("@")
    if not local or not domain or domain in _PLACEHOLDER_DOMAINS \
            or local in _PLACEHOLDER_LOCALS:
        return None
    return email


def normal_phone(phone: str) -> str | None:
    """The last ten digits (a country code written or not is the same number)."""
    digits = re.sub(r"\D", "", phone or "")[-10:]
    if len(digits) < 7 or len(set(digits)) <= 2:
        return None
    if "1234567" in digits or "0123456" in digits or digits[-7:-4] == "555":
        return None  # placeholders: 123-456-7890, 555-0100, (555) 555-5555
    return digits


def normal_name(name: str | None) -> tuple[str, ...]:
    words = re.findall(r"[a-z]+", _ascii_fold(name or ""))
    return tuple(w for w in words if w not in _NAME_PARTICLES)


def names_conflict(a: Sequence[str], b: Sequence[str]) -> bool:
    """True when both names are known and cannot be one person's: different surnames, or
    first names that are neither equal nor an initial of each other."""
    if not a or not b:
        return False
    if set(a) <= set(b) or set(b) <= set(a):
        return False
    if a[-1] != b[-1] or len(a) < 2 or len(b) < 2:
        return True
    first_a, first_b = a[0], b[0]
    return not (first_a == first_b or (len(first_a) == 1 and first_b.startswith(first_a))
                or (len(first_b) == 1 and first_a.startswith(first_b)))


# --- The text signature -----------------------------------------------------------------


def shingles(text: str) -> set[int]:
    """The kept shingles' hashes (CRC-32: stable across processes, and fast)."""
    chars = _NOT_ALNUM.sub("", _ascii_fold(text or "")).encode()
    return {h for i in range(len(chars) - SHINGLE_CHARS + 1)
            if (h := zlib.crc32(chars[i:i + SHINGLE_CHARS])) % SAMPLE == 0}


def text_signature(text: str) -> tuple[int, ...]:
    hashes = shingles(text)
    if len(hashes) < MIN_SHINGLES:
        return ()
    bins: list[int | None] = [None] * SIGNATURE_SIZE
    for h in hashes:
        mixed = (_HASH_A * h + _HASH_B) % _PRIME
        index, value = mixed % SIGNATURE_SIZE, (mixed // SIGNATURE_SIZE) & _MASK
        kept = bins[index]
        if kept is None or value < kept:
            bins[index] = value
    signature = []
    for index in range(SIGNATURE_SIZE):
        distance = 0
        while (value := bins[(index + distance) % SIGNATURE_SIZE]) is None:
            distance += 1
        signature.append((value + distance * _ROTATION) & _MASK)
    return tuple(signature)


def text_similarity(a: Fingerprint, b: Fingerprint) -> float | None:
    """The estimated Jaccard similarity of the two texts' shingles; None if unknown."""
    if not a.signature or not b.signature:
        return None
    return sum(x == y for x, y in zip(a.signature, b.signature)) / SIGNATURE_SIZE


# --- The rule ---------------------------------------------------------------------------


def compare(a: Fingerprint, b: Fingerprint) -> Verdict:
    similarity = text_similarity(a, b) or 0.0
    contacts = bool(set(a.emails) & set(b.emails)) + bool(set(a.phones) & set(b.phones))
    strong = similarity >= SAME_TEXT or contacts == 2
    if names_conflict(a.name, b.name):
        return Verdict.possibly if strong else Verdict.different
    if strong:
        return Verdict.same
    if contacts or similarity >= POSSIBLE_TEXT:
        return Verdict.possibly
    return Verdict.different


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Entry(Generic[K]):
    key: K  # the item (its id, or its upload position)
    score: float | None
    seq: int  # upload order: the earlier one is kept on equal scores
    fingerprint: Fingerprint


@dataclass(frozen=True)
class Groups(Generic[K]):
    # A duplicate's key -> the kept file's key.
    duplicate_of: dict[K, K] = field(default_factory=dict)
    # A kept file's key -> its duplicates' keys, in upload order.
    also: dict[K, tuple[K, ...]] = field(default_factory=dict)
    # A kept file's key -> the kept files of people who may be the same, in upload order.
    possibly: dict[K, tuple[K, ...]] = field(default_factory=dict)


def _band_keys(signature: tuple[int, ...]) -> Iterable[int]:
    # One int per band: ints are not tracked by the garbage collector, tuples are, and a
    # web process's heap is large enough that collections would triple the time.
    for band in range(BANDS):
        key = band
        for value in signature[band * ROWS_PER_BAND:(band + 1) * ROWS_PER_BAND]:
            key = key << 32 | value
        yield key


def lookup_keys(fp: Fingerprint) -> list[str]:
    """Strings under which a stored fingerprint is found again: its emails, its phones
    and its signature's bands (the pairs `group` compares, kept in a database)."""
    keys = [f"e:{e}"[:64] for e in fp.emails] + [f"p:{p}"[:64] for p in fp.phones]
    if fp.signature:
        keys.extend(f"b:{key:x}" for key in _band_keys(fp.signature))
    return keys


def _candidate_pairs(entries: Sequence[Entry[K]]) -> set[tuple[int, int]]:
    """Pairs that share an email, a phone or a band of their signature."""
    first: dict[object, int] = {}  # bucket -> its first member (most buckets have one)
    more: dict[object, list[int]] = {}
    for i, entry in enumerate(entries):
        fp = entry.fingerprint
        keys: list[object] = ["e" + e for e in fp.emails] + ["p" + p for p in fp.phones]
        keys.extend(_band_keys(fp.signature) if fp.signature else ())
        for key in keys:
            if first.setdefault(key, i) != i:
                more.setdefault(key, [first[key]]).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in more.values():
        pairs.update(combinations(members, 2))
    return pairs


def group(entries: Iterable[Entry[K]]) -> Groups[K]:
    """Which files are one person's, which one of each person is kept, and who else may be
    the same person. Deterministic: the same entries give the same groups in any order."""
    entries = sorted(entries, key=lambda e: (-(e.score or 0.0), e.seq))  # best first
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    maybe: list[tuple[int, int]] = []
    for i, j in sorted(_candidate_pairs(entries)):
        verdict = compare(entries[i].fingerprint, entries[j].fingerprint)
        if verdict is Verdict.same:
            ri, rj = root(i), root(j)
            if ri != rj:  # the better file (lower index) stays the group's root
                parent[max(ri, rj)] = min(ri, rj)
        elif verdict is Verdict.possibly:
            maybe.append((i, j))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entries)):
        members[root(i)].append(i)
    for group_members in list(members.values()):
        if len(group_members) > MAX_GROUP:  # a template, not a person: keep them apart
            for i in group_members:
                parent[i] = i
                members[i] = [i]
    duplicate_of: dict[K, K] = {}
    also: dict[K, list[Entry[K]]] = defaultdict(list)
    for r, group_members in members.items():
        kept = entries[r].key
        for i in group_members:
            if i != r:
                duplicate_of[entries[i].key] = kept
                also[kept].append(entries[i])
    possibly: dict[K, set[int]] = defaultdict(set)
    for i, j in maybe:
        ri, rj = root(i), root(j)
        if ri != rj:
            possibly[entries[ri].key].add(rj)
            possibly[entries[rj].key].add(ri)
    return Groups(
        duplicate_of=duplicate_of,
        also={k: tuple(e.key for e in sorted(v, key=lambda e: e.seq)) for k, v in also.items()},
        possibly={k: tuple(entries[i].key for i in sorted(v, key=lambda i: entries[i].seq))
                  for k, v in possibly.items()},
    )
