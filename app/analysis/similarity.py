"""How close a resume's wording is to the job description.

`relevance` (what the score uses): the opening's words found in the resume, weighted by
how informative each is in general English (see `informativeness`), counts saturating as
in BM25. `cosine` is the older, unweighted measure, kept for callers that want it.

Stdlib only. Words are lower-cased, lightly stemmed, and weighted by 1 + log(count)
(sublinear, so one word repeated cannot dominate). There is no corpus to learn inverse
document frequencies from when one resume is scored alone, so the IDF part is
approximated by dropping English stop words and the boilerplate every resume and every
job advert shares ("experience", "responsible", "team", ...).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

from .text import Tokens

_STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves etc eg ie via per within across among upon whose may might must shall us
    new one two three four five six seven eight nine ten first well like get got make made
    use used using""".split()
)
_BOILERPLATE = frozenset(
    """experience experienced years year work worked working job role roles position
    responsible responsibilities duties including include includes ability able skill
    skills strong excellent good great knowledge proven track record team teams member
    company companies candidate candidates looking seeking join opportunity opportunities
    required requirements preferred plus ideal ideally environment day daily various
    successfully effectively ensure ensuring provide provided providing support supported
    present current currently jan feb mar apr may jun jul aug sep sept oct nov dec january
    february march april june july august september october november december resume cv
    summary profile references available upon request""".split()
)
_IGNORED = _STOP_WORDS | _BOILERPLATE


@lru_cache(maxsize=65536)  # a resume's words are mostly a language's common ones
def stem(word: str) -> str:
    """A light suffix stripper: "nurses"/"nurse" and "managed"/"managing"/"manages" meet."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("e"):
        return word[:-1]
    return word


def term_weights(tokens: Tokens) -> dict[str, float]:
    counts = Counter(
        stem(w) for w in tokens.lower
        if len(w) > 1 and w[0].isalpha() and w not in _IGNORED
    )
    return {term: 1.0 + math.log(n) for term, n in counts.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


# --- Informativeness and relevance -------------------------------------------------------
# How much a word says about a resume, from how rare it is in general English: the Zipf
# frequency (log10 per billion words) of a shipped list (data/word_frequency.json, from
# wordfreq). "experience" (5.3) says little, "reconciliations" (2.1) a lot. No corpus and
# no network are needed, so one resume can be scored alone.
FREQUENCY_FILE = Path(__file__).with_name("data") / "word_frequency.json"
ZIPF_CEILING = 6.0  # words at least this common carry no weight
UNLISTED_ZIPF = 2.4  # words rarer than the list's floor (2.5), and unknown words
BM25_K1 = 1.2  # repeats of a word count with diminishing returns, as in Okapi BM25
BM25_B = 0.5  # how much a long resume's counts are discounted
TYPICAL_RESUME_TERMS = 450  # kept terms in a typical resume (for the length discount)


@cache
def _zipf() -> dict[str, float]:
    raw = json.loads(FREQUENCY_FILE.read_text(encoding="utf-8"))
    return {word: float(zipf) for zipf, words in raw["zipf"].items() for word in words.split()}


def informativeness(word: str) -> float:
    """0 for stop words and resume boilerplate, otherwise ZIPF_CEILING - Zipf frequency."""
    word = word.casefold()
    if word in _IGNORED or len(word) < 2 or not word[0].isalpha():
        return 0.0
    zipf = _zipf().get(word)
    if zipf is None and word.endswith("s"):
        zipf = _zipf().get(word[:-1])
    return max(0.0, ZIPF_CEILING - (UNLISTED_ZIPF if zipf is None else zipf))


def term_counts(tokens: Tokens) -> Counter[str]:
    """Stemmed content words of a text and how often each occurs."""
    counts: Counter[str] = Counter()
    for word, n in Counter(tokens.lower).items():  # stem each distinct word once
        if len(word) > 1 and word[0].isalpha() and word not in _IGNORED:
            counts[stem(word)] += n
    return counts


def query_weights(text_tokens: Tokens, boost: float = 1.0) -> dict[str, float]:
    """Stemmed terms of an opening's text, weighted by informativeness (each term once)."""
    weights: dict[str, float] = {}
    for word in text_tokens.lower:
        weight = informativeness(word) * boost
        if weight > 0:
            term = stem(word)
            weights[term] = max(weights.get(term, 0.0), weight)
    return weights


def relevance(counts: Counter[str], query: dict[str, float]) -> float:
    """0..1: the informativeness-weighted share of the opening's terms in the resume, each
    term's count saturating as in BM25, so a word repeated cannot make a resume relevant."""
    total = sum(query.values())
    if not total or not counts:
        return 0.0
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / TYPICAL_RESUME_TERMS)
    got = 0.0
    for term, weight in query.items():
        tf = counts.get(term)
        if tf:
            got += weight * tf * (BM25_K1 + 1) / (tf + norm)
    return got / (total * (BM25_K1 + 1))
