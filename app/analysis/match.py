"""How well a resume fits an opening: a 0-100 score made of parts, a band, and the reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .opening import Opening, suggest_skills
from .profile import Profile
from .roles import fitting_part, title_fit, title_terms
from .similarity import query_weights, relevance, stem, term_counts
from .taxonomy import Taxonomy, default_taxonomy
from .text import Tokens, contains_phrase, normalise, phrase_key, tokenize

# --- Scoring: every weight and threshold, in one place -----------------------------------
WEIGHTS = {"role": 0.30, "skills": 0.25, "experience": 0.15, "wording": 0.30}
"""How the score is made.

score = round(100 * sum(weight * credit) / sum(weight) * must-have factor), over the parts
that apply, each credit 0..1:
- role: how closely the best job title on the resume (its headline or a dated job entry)
  names the opening's title; known variants of a role count fully ("Auto Mechanic" for
  "Automotive Technician"), see `roles`.
- skills: share of the must-haves found (MUST_SHARE of the part) and of the nice-to-haves
  (the rest). When the opening lists no skills, those named in its description count as
  nice-to-haves. A skill is found when the resume names it or a narrower one (Jenkins for
  CI/CD). Left out when the opening names no skills at all.
- experience: years in roles like the opening (job entries whose title fits at least
  RELEVANT_ROLE_FIT) against the minimum asked, or TYPICAL_YEARS when none is; total
  years give TOTAL_YEARS_SHARE of the credit.
- wording: the opening's words found in the resume, each weighted by how informative it is
  in general English (rare words count more, boilerplate nothing), with counts saturating
  as in BM25; the title's words count TITLE_BOOST times. Full credit at WORDING_FULL_AT.
The must-have factor is 1 - MUST_HAVE_PENALTY * (share of must-haves missing): a missing
must-have costs visibly, but a strong candidate missing one stays near the top.

Bands, by score: strong >= 75, good >= 55, partial >= 35, weak below. A resume missing
any must-have skill is at most "good": "strong" promises nothing essential is missing.
"""
MUST_SHARE = 0.7
RELEVANT_ROLE_FIT = 0.5
TYPICAL_YEARS = 5.0
TOTAL_YEARS_SHARE = 0.2
UNKNOWN_YEARS_CREDIT = 0.15  # no dates and no stated years: below a known unrelated career (0.2)
WORDING_FULL_AT = 0.45
TITLE_BOOST = 2.0
MUST_HAVE_PENALTY = 0.3
BANDS = (("strong", 75), ("good", 55), ("partial", 35), ("weak", 0))
BAND_IF_MUST_HAVE_MISSING = "good"
PART_LABELS = {"role": "Role", "skills": "Skills", "experience": "Relevant experience",
               "wording": "Wording"}
MAX_TERMS_SHOWN = 3
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of the score: its weight, its credit (0..1) and a one-line reason."""

    name: str
    weight: float
    credit: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": PART_LABELS.get(self.name, self.name),
                "weight": self.weight, "credit": round(self.credit, 3),
                "points": round(100 * self.weight * self.credit, 1), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Part:
        return cls(str(data.get("name", "")), float(data.get("weight", 0.0)),
                   float(data.get("credit", 0.0)), str(data.get("reason", "")))


@dataclass(frozen=True)
class Match:
    score: int
    band: str
    must_have_matched: tuple[str, ...]
    must_have_missing: tuple[str, ...]
    nice_to_have_matched: tuple[str, ...]
    nice_to_have_missing: tuple[str, ...]
    years: float | None
    min_years: float | None
    experience_ok: bool | None  # None when there is no minimum or the years are unknown
    similarity: float  # 0..1: the wording part's relevance, before scaling
    explanation: str
    must_have_suggested: bool = False  # kept for old results; must-haves are never guessed
    parts: tuple[Part, ...] = ()
    relevant_years: float | None = None  # years in roles like the opening
    role: str | None = None  # the resume's title that fits the opening best
    role_fit: float = 0.0  # 0..1
    skill_evidence: dict[str, str] = field(default_factory=dict)  # "CI/CD" -> "Jenkins"
    nice_to_have_suggested: bool = False  # the nice-to-haves came from the description

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "must_have_matched": list(self.must_have_matched),
            "must_have_missing": list(self.must_have_missing),
            "nice_to_have_matched": list(self.nice_to_have_matched),
            "nice_to_have_missing": list(self.nice_to_have_missing),
            "years": self.years,
            "min_years": self.min_years,
            "experience_ok": self.experience_ok,
            "similarity": self.similarity,
            "explanation": self.explanation,
            "must_have_suggested": self.must_have_suggested,
            "parts": [p.to_dict() for p in self.parts],
            "relevant_years": self.relevant_years,
            "role": self.role,
            "role_fit": self.role_fit,
            "skill_evidence": dict(self.skill_evidence),
            "nice_to_have_suggested": self.nice_to_have_suggested,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Match:
        return cls(
            score=int(data["score"]),
            band=data["band"],
            must_have_matched=tuple(data.get("must_have_matched", ())),
            must_have_missing=tuple(data.get("must_have_missing", ())),
            nice_to_have_matched=tuple(data.get("nice_to_have_matched", ())),
            nice_to_have_missing=tuple(data.get("nice_to_have_missing", ())),
            years=data.get("years"),
            min_years=data.get("min_years"),
            experience_ok=data.get("experience_ok"),
            similarity=float(data.get("similarity", 0.0)),
            explanation=data.get("explanation", ""),
            must_have_suggested=bool(data.get("must_have_suggested", False)),
            parts=tuple(Part.from_dict(p) for p in data.get("parts", ()) if isinstance(p, dict)),
            relevant_years=data.get("relevant_years"),
            role=data.get("role"),
            role_fit=float(data.get("role_fit", 0.0)),
            skill_evidence=dict(data.get("skill_evidence") or {}),
            nice_to_have_suggested=bool(data.get("nice_to_have_suggested", False)),
        )


@dataclass(frozen=True)
class _Query:
    """What an opening asks, prepared once per opening."""

    title: tuple[frozenset[int], dict[str, float]]
    words: dict[str, float]  # stemmed term -> weight
    shown: dict[str, str]  # stemmed term -> the word as the opening writes it
    nice: tuple[str, ...]
    nice_suggested: bool


@lru_cache(maxsize=64)
def _prepare(title: str, description: str, must: tuple[str, ...], nice: tuple[str, ...]) -> _Query:
    suggested = not must and not nice
    if suggested:
        nice = tuple(suggest_skills(description))
    title_tokens = tokenize(normalise(title))
    body = tokenize(normalise(" ".join([description, *must, *nice])))
    words = query_weights(body)
    for term, weight in query_weights(title_tokens, TITLE_BOOST).items():
        words[term] = max(words.get(term, 0.0), weight)
    shown = {stem(w): w for w in (*body.lower, *title_tokens.lower)}
    return _Query(title_terms(title), words, shown, nice, suggested and bool(nice))


_last_counts: list[Any] = [None, None]  # (tokens, counts) of the last resume: one per batch


def _counts(tokens: Tokens) -> Counter[str]:
    if _last_counts[0] is not tokens:
        _last_counts[:] = [tokens, term_counts(tokens)]
    return _last_counts[1]


def match_profile(
    profile: Profile,
    tokens: Tokens,
    opening: Opening,
    *,
    taxonomy: Taxonomy | None = None,
) -> Match:
    """Score a resume (its profile and normalised tokens) against an opening."""
    taxonomy = taxonomy or default_taxonomy()
    query = _prepare(opening.title, opening.description, tuple(opening.must_have),
                     tuple(opening.nice_to_have))
    found = set(profile.skills)
    evidence: dict[str, str] = {}

    def has(skill: str) -> bool:
        canonical = taxonomy.canonical(skill)
        if canonical is None:
            return contains_phrase(tokens, phrase_key(skill))
        if canonical in found:
            return True
        narrower = [s for s in profile.skills if s in taxonomy.implied_by(canonical)]
        if narrower:
            evidence[skill] = narrower[0]
        return bool(narrower)

    must = list(opening.must_have)
    must_hit = tuple(s for s in must if has(s))
    must_miss = tuple(s for s in must if s not in must_hit)
    nice_hit = tuple(s for s in query.nice if has(s))
    nice_miss = tuple(s for s in query.nice if s not in nice_hit)

    role, fit, relevant = _role(profile, query)
    wording = relevance(_counts(tokens), query.words)
    parts = [
        Part("role", WEIGHTS["role"], fit, _role_reason(opening, role, fit, relevant)),
        *_skills_part(must_hit, must_miss, nice_hit, nice_miss, evidence,
                      query.nice_suggested),
        _experience_part(profile.years, relevant, opening.min_years),
        Part("wording", WEIGHTS["wording"], min(1.0, wording / WORDING_FULL_AT),
             _wording_reason(_counts(tokens), query)),
    ]
    total = sum(p.weight for p in parts)
    raw = sum(p.weight * p.credit for p in parts) / total
    if must:
        raw *= 1 - MUST_HAVE_PENALTY * len(must_miss) / len(must)
    score = round(100 * raw)
    minimum = opening.min_years or None
    experience_ok = None if not minimum or profile.years is None else profile.years >= minimum
    band = _band(score, missing_must=bool(must_miss))
    explanation = " ".join([f"{band.capitalize()} match (score {score})."]
                           + [f"{PART_LABELS[p.name]}: {p.reason}" for p in parts])
    return Match(
        score=score, band=band, must_have_matched=must_hit, must_have_missing=must_miss,
        nice_to_have_matched=nice_hit, nice_to_have_missing=nice_miss, years=profile.years,
        min_years=opening.min_years, experience_ok=experience_ok,
        similarity=round(wording, 3), explanation=explanation, parts=tuple(parts),
        relevant_years=relevant, role=role, role_fit=round(fit, 3),
        skill_evidence=evidence, nice_to_have_suggested=query.nice_suggested,
    )


def _role(profile: Profile, query: _Query) -> tuple[str | None, float, float | None]:
    """(best fitting title, its fit, years in fitting dated roles or None if undated)."""
    best_title, best_fit = None, 0.0
    spans: list[tuple[int, int]] = []
    dated = False
    for role in profile.roles:  # the headline first, then the jobs, most recent first
        fit = title_fit(query.title, role.title)
        has_dates = role.start is not None and role.end is not None
        if fit > best_fit or (fit == best_fit > 0 and has_dates and not dated):
            # A job entry says more than a headline; its employer is not shown as the role.
            best_title, best_fit = fitting_part(query.title, role.title), fit
        if has_dates:
            dated = True
            if fit >= RELEVANT_ROLE_FIT:
                spans.append((role.start, role.end))
    if dated:
        return best_title, best_fit, round(_merged(spans) / 12, 1)
    if best_fit >= RELEVANT_ROLE_FIT and profile.years is not None:
        return best_title, best_fit, profile.years  # titled, but no dated entries
    return best_title, best_fit, None


def _merged(spans: list[tuple[int, int]]) -> int:
    total, end = 0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def _skills_part(must_hit: tuple[str, ...], must_miss: tuple[str, ...], nice_hit: tuple[str, ...],
                 nice_miss: tuple[str, ...], evidence: dict[str, str],
                 suggested: bool) -> list[Part]:
    must_n, nice_n = len(must_hit) + len(must_miss), len(nice_hit) + len(nice_miss)
    if not must_n and not nice_n:
        return []
    reasons = []
    if must_n:
        text = f"Has {len(must_hit)} of {must_n} must-haves"
        reasons.append(text + (f"; missing {', '.join(must_miss)}" if must_miss else ""))
    if nice_n:
        source = "skills named in the description" if suggested else "nice-to-haves"
        reasons.append(f"{len(nice_hit)} of {nice_n} {source}")
    if evidence:
        reasons.append("; ".join(f"{skill}: found {shown}" for skill, shown in evidence.items()))
    must_credit = len(must_hit) / must_n if must_n else None
    nice_credit = len(nice_hit) / nice_n if nice_n else None
    if must_credit is not None and nice_credit is not None:
        credit = MUST_SHARE * must_credit + (1 - MUST_SHARE) * nice_credit
    else:
        credit = must_credit if must_credit is not None else nice_credit or 0.0
    return [Part("skills", WEIGHTS["skills"], credit, ". ".join(reasons) + ".")]


def _experience_part(years: float | None, relevant: float | None, minimum: float | None) -> Part:
    target = minimum or TYPICAL_YEARS
    if years is None and relevant is None:
        asked = f"; the opening asks for {minimum:g}" if minimum else ""
        return Part("experience", WEIGHTS["experience"], UNKNOWN_YEARS_CREDIT,
                    f"Years of experience not found{asked}.")
    similar = relevant or 0.0
    total = max(years or 0.0, similar)
    credit = ((1 - TOTAL_YEARS_SHARE) * min(1.0, similar / target)
              + TOTAL_YEARS_SHARE * min(1.0, total / target))
    reason = f"{_years(similar)} in similar roles, {_years(total)} in all".capitalize()
    if minimum:
        verdict = "meets" if total >= minimum else "below"
        reason += f" ({verdict} the {minimum:g} asked)"
    return Part("experience", WEIGHTS["experience"], credit, reason + ".")


def _years(value: float) -> str:
    if value < 1:
        return "under a year" if value > 0 else "no years"
    shown = round(value, 1)
    return f"{shown:g} year" + ("" if shown == 1 else "s")


def _role_reason(opening: Opening, role: str | None, fit: float, relevant: float | None) -> str:
    if role is None or fit == 0:
        return f"No job title like {opening.title} found."
    if fit >= RELEVANT_ROLE_FIT:
        if relevant:
            return f"Has been {role} (or similar) for {_years(relevant)}."
        return f"Presents as {role}."
    return f"Closest title is {role}, a related role."


def _wording_reason(counts: Counter[str], query: _Query) -> str:
    hits = sorted((t for t in query.words if counts.get(t)), key=lambda t: -query.words[t])
    weight = sum(query.words[t] for t in hits)
    share = weight / (sum(query.words.values()) or 1.0)
    amount = "most" if share >= 2 / 3 else "some" if share >= 1 / 3 else "few"
    if not hits:
        return "Uses none of the opening's key terms."
    words = [query.shown.get(t, t) for t in hits[:MAX_TERMS_SHOWN]]
    return f"Uses {amount} of the opening's key terms ({', '.join(words)})."


def _band(score: int, *, missing_must: bool) -> str:
    band = next(name for name, floor in BANDS if score >= floor)
    if missing_must and band == "strong":
        return BAND_IF_MUST_HAVE_MISSING
    return band
