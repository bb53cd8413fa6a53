"""The skills taxonomy: canonical skills with aliases, and the matcher that finds them.

The data lives in `data/skills.json` (one skill per line: name, category, aliases, and
optional context rules), so recruiters' vocabulary can grow without code changes. The
matcher is a token trie built once on first use: finding skills costs one pass over the
resume's tokens, however many skills there are.

Matching rules:
- Terms are compared token by token (see `text.tokenize`), so matches are word-bounded:
  "Java" does not match inside "JavaScript", and "C" does not match "C++" or "C#".
- Case is ignored, except for terms listed under "case_sensitive": ambiguous words such
  as "Go", "React", "Excel" or "R" must be written exactly so.
- Short case-sensitive terms (one or two characters) also refuse neighbours that show the
  letter is part of something else: "C-level", "R&D", "Objective-C", "Jane R. Doe".
- "not_preceded_by" / "not_followed_by" list words that give a term away as ordinary
  language ("Class C licence", "Go live", "sales tax"). They apply to the case-sensitive
  terms of a skill that has some, otherwise to all its terms.
- "implies" names broader skills a skill shows: Jenkins is CI/CD, Amazon EC2 is AWS. A
  resume's skills are those it names; `implied_by` lets matching accept the narrower ones.
- A short all-capitals token with a lower-case "l" in it ("Cl/CD") is read as the "I" a
  PDF's text layer lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .text import Tokens, normalise, phrase_key, tokenize

DATA_FILE = Path(__file__).with_name("data") / "skills.json"

# Characters that, right next to a short case-sensitive term, show that the letter is part
# of a name, abbreviation or compound rather than the skill.
_STRICT_NEIGHBOURS = frozenset("-.'&@_")
_STRICT_MAX_LEN = 2
_LOST_I_MAX_LEN = 4
_END = ""  # trie key for "a term ends here"; no token is empty


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    aliases: tuple[str, ...]
    implies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Term:
    skill: int
    words: tuple[str, ...]  # as written, for case-sensitive terms
    case_sensitive: bool
    strict: bool
    not_preceded_by: frozenset[str]
    not_followed_by: frozenset[str]

    def accepts(self, tokens: Tokens, i: int, j: int) -> bool:
        if self.case_sensitive and tokens.words[i:j] != self.words:
            return False
        if self.not_preceded_by and i > 0 and tokens.lower[i - 1] in self.not_preceded_by:
            return False
        if self.not_followed_by and j < len(tokens) and tokens.lower[j] in self.not_followed_by:
            return False
        if self.strict:
            text = tokens.text
            start, end = tokens.starts[i], tokens.ends[j - 1]
            if start > 0 and text[start - 1] in _STRICT_NEIGHBOURS:
                return False
            if end < len(text) and text[end] in _STRICT_NEIGHBOURS:
                return False
        return True


class Taxonomy:
    """Skills, their categories, and a compiled matcher."""

    def __init__(self, skills: list[Skill], categories: dict[str, str], terms: list[_Term]):
        self.skills: tuple[Skill, ...] = tuple(skills)
        self.categories = dict(categories)
        index = {s.name: s for s in skills}
        for skill in skills:
            for broader in skill.implies:
                if broader not in index:
                    raise ValueError(f"skill {skill.name!r} implies unknown {broader!r}")
        narrower: dict[str, set[str]] = {}
        for skill in skills:
            todo, seen = list(skill.implies), set()
            while todo:
                broader = todo.pop()
                if broader in seen or broader == skill.name:
                    continue
                seen.add(broader)
                narrower.setdefault(broader, set()).add(skill.name)
                todo.extend(index[broader].implies)
        self._implied_by = {name: frozenset(names) for name, names in narrower.items()}
        self._by_key: dict[tuple[str, ...], int] = {}
        self._trie: dict = {}
        for term in terms:
            key = tuple(w.casefold() for w in term.words)
            self._by_key.setdefault(key, term.skill)
            node = self._trie
            for word in key:
                node = node.setdefault(word, {})
            node.setdefault(_END, []).append(term)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Taxonomy:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_data(raw)

    @classmethod
    def from_data(cls, raw: dict) -> Taxonomy:
        """Build from the JSON structure; refuse data that would match ambiguously."""
        categories: dict[str, str] = raw["categories"]
        skills: list[Skill] = []
        terms: list[_Term] = []
        owner: dict[tuple[str, ...], str] = {}
        for index, entry in enumerate(raw["skills"]):
            name = entry["name"].strip()
            if entry["category"] not in categories:
                raise ValueError(f"skill {name!r}: unknown category {entry['category']!r}")
            aliases = tuple(a.strip() for a in entry.get("aliases", ()))
            case_sensitive = set(entry.get("case_sensitive", ()))
            before = frozenset(w.casefold() for w in entry.get("not_preceded_by", ()))
            after = frozenset(w.casefold() for w in entry.get("not_followed_by", ()))
            skills.append(Skill(name, entry["category"], aliases,
                                tuple(entry.get("implies", ()))))
            contextual = not case_sensitive
            seen_here: set[tuple[str, ...]] = set()
            for phrase in (name, *aliases):
                words = tokenize(normalise(phrase)).words
                key = tuple(w.casefold() for w in words)
                if not key:
                    raise ValueError(f"skill {name!r}: empty alias")
                if key in seen_here:
                    continue
                seen_here.add(key)
                if key in owner:
                    raise ValueError(f"alias {phrase!r} of {name!r} is also {owner[key]!r}")
                owner[key] = name
                sensitive = phrase in case_sensitive
                terms.append(
                    _Term(
                        skill=index,
                        words=words,
                        case_sensitive=sensitive,
                        strict=sensitive and len(phrase) <= _STRICT_MAX_LEN,
                        not_preceded_by=before if sensitive or contextual else frozenset(),
                        not_followed_by=after if sensitive or contextual else frozenset(),
                    )
                )
        return cls(skills, categories, terms)

    def find_in_tokens(self, tokens: Tokens) -> list[str]:
        """Canonical names of the skills in `tokens`, in order of first appearance."""
        lower = _read_lost_i(tokens)
        n = len(lower)
        found: dict[int, None] = {}  # an ordered set
        trie = self._trie
        for i in range(n):
            node = trie.get(lower[i])
            j = i + 1
            while node is not None:
                terms = node.get(_END)
                if terms:
                    for term in terms:
                        if term.skill not in found and term.accepts(tokens, i, j):
                            found[term.skill] = None
                if j >= n:
                    break
                node = node.get(lower[j])
                j += 1
        return [self.skills[k].name for k in found]

    def implied_by(self, name: str) -> frozenset[str]:
        """The skills that show `name` without naming it (Jenkins for CI/CD)."""
        return self._implied_by.get(name, frozenset())

    def find_skills(self, text: str) -> list[str]:
        return self.find_in_tokens(tokenize(normalise(text)))

    def canonical(self, name: str) -> str | None:
        """The canonical name for a skill typed by a person, ignoring case; None if unknown.

        Case is ignored even for case-sensitive terms: a recruiter who types "go" into the
        must-have list means the language.
        """
        index = self._by_key.get(phrase_key(name))
        return None if index is None else self.skills[index].name

    def skill(self, name: str) -> Skill | None:
        index = self._by_key.get(phrase_key(name))
        return None if index is None else self.skills[index]


def _read_lost_i(tokens: Tokens) -> tuple[str, ...]:
    """Lower-case tokens, with "Cl" read as "ci" where a capital I became a lower-case l."""
    lower = tokens.lower
    fixed = None
    for i, word in enumerate(tokens.words):
        if "l" in word and len(word) <= _LOST_I_MAX_LEN and word[0].isupper():
            guess = word.replace("l", "I")
            if guess.isupper() and guess.isalpha():
                fixed = fixed or list(lower)
                fixed[i] = guess.casefold()
    return lower if fixed is None else tuple(fixed)


@cache
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded and compiled once per process."""
    return Taxonomy.load()


def find_skills(text: str) -> list[str]:
    """Canonical names of the skills in `text`, in order of first appearance."""
    return default_taxonomy().find_skills(text)
