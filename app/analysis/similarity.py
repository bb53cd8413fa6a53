"""How close a resume's wording is to the job description: cosine over word weights.

Stdlib only. Words are lower-cased, lightly stemmed, and weighted by 1 + log(count)
(sublinear, so one word repeated cannot dominate). There is no corpus to learn inverse
document frequencies from when one resume is scored alone, so the IDF part is
approximated by dropping English stop words and the boilerplate every resume and every
job advert shares ("experience", "responsible", "team", ...).
"""

from __future__ import annotations

import math
from collections import Counter

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
