"""How well a resume fits an opening: a 0-100 score, a band, and the reasons."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .opening import Opening, suggest_skills
from .profile import Profile
from .similarity import cosine, term_weights
from .taxonomy import Taxonomy, default_taxonomy
from .text import Tokens, contains_phrase, normalise, phrase_key, tokenize

# --- Scoring: every weight and threshold, in one place -----------------------------------
WEIGHTS = {"must_have": 0.55, "nice_to_have": 0.15, "experience": 0.15, "similarity": 0.15}
"""How the score is made.

score = round(100 * sum(weight * credit) / sum(weight)), over the parts that apply:
- must_have: share of must-have skills found in the resume (the skill gap is the rest).
  When the opening lists no skills, the skills named in its description stand in.
- nice_to_have: share of nice-to-have skills found.
- experience: years / min_years, capped at 1; UNKNOWN_YEARS_CREDIT when the resume shows
  no years at all.
- similarity: cosine similarity of resume and opening wording / SIMILARITY_FULL_AT, capped
  at 1 (related texts rarely exceed 0.4, so that counts as a perfect fit).
A part that does not apply (no skills at all, no nice-to-haves, no minimum years) is left
out and the other parts share its weight, so an opening is never marked down for what it
does not ask.

Bands, by score: strong >= 75, good >= 55, partial >= 35, weak below. A resume missing
any must-have skill is at most "good": "strong" promises the recruiter nothing essential
is missing.
"""
UNKNOWN_YEARS_CREDIT = 0.5
SIMILARITY_FULL_AT = 0.4
BANDS = (("strong", 75), ("good", 55), ("partial", 35), ("weak", 0))
BAND_IF_MUST_HAVE_MISSING = "good"
# ------------------------------------------------------------------------------------------


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
    similarity: float  # 0..1
    explanation: str
    must_have_suggested: bool = False  # must-haves were taken from the description

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
        )


def match_profile(
    profile: Profile,
    tokens: Tokens,
    opening: Opening,
    *,
    taxonomy: Taxonomy | None = None,
) -> Match:
    """Score a resume (its profile and normalised tokens) against an opening."""
    taxonomy = taxonomy or default_taxonomy()
    must = list(opening.must_have)
    suggested = not must and not opening.nice_to_have
    if suggested:
        must = suggest_skills(opening.description)
    suggested = suggested and bool(must)
    found = set(profile.skills)

    def has(skill: str) -> bool:
        canonical = taxonomy.canonical(skill)
        if canonical is not None:
            return canonical in found
        return contains_phrase(tokens, phrase_key(skill))

    must_hit = tuple(s for s in must if has(s))
    must_miss = tuple(s for s in must if s not in must_hit)
    nice_hit = tuple(s for s in opening.nice_to_have if has(s))
    nice_miss = tuple(s for s in opening.nice_to_have if s not in nice_hit)

    job_text = " ".join([opening.title, opening.description, *must, *opening.nice_to_have])
    similarity = round(cosine(term_weights(tokens), term_weights(tokenize(normalise(job_text)))), 3)

    credits: dict[str, float] = {"similarity": min(1.0, similarity / SIMILARITY_FULL_AT)}
    if must:
        credits["must_have"] = len(must_hit) / len(must)
    if opening.nice_to_have:
        credits["nice_to_have"] = len(nice_hit) / len(opening.nice_to_have)
    minimum = opening.min_years or None  # zero years asks for nothing
    experience_ok = None
    if minimum:
        if profile.years is None:
            credits["experience"] = UNKNOWN_YEARS_CREDIT
        else:
            credits["experience"] = min(1.0, profile.years / minimum)
            experience_ok = profile.years >= minimum
    total_weight = sum(WEIGHTS[part] for part in credits)
    score = round(100 * sum(WEIGHTS[p] * c for p, c in credits.items()) / total_weight)
    band = _band(score, missing_must=bool(must_miss))

    match = Match(
        score=score,
        band=band,
        must_have_matched=must_hit,
        must_have_missing=must_miss,
        nice_to_have_matched=nice_hit,
        nice_to_have_missing=nice_miss,
        years=profile.years,
        min_years=opening.min_years,
        experience_ok=experience_ok,
        similarity=similarity,
        explanation="",
        must_have_suggested=suggested,
    )
    return _with_explanation(match)


def _band(score: int, *, missing_must: bool) -> str:
    band = next(name for name, floor in BANDS if score >= floor)
    if missing_must and band == "strong":
        return BAND_IF_MUST_HAVE_MISSING
    return band


def _with_explanation(m: Match) -> Match:
    parts = [f"{m.band.capitalize()} match (score {m.score})."]
    must_total = len(m.must_have_matched) + len(m.must_have_missing)
    if must_total:
        source = " (taken from the description)" if m.must_have_suggested else ""
        if not m.must_have_missing:
            parts.append(f"Has all {must_total} must-have skills{source}.")
        else:
            parts.append(
                f"Has {len(m.must_have_matched)} of {must_total} must-have skills{source}; "
                f"missing: {', '.join(m.must_have_missing)}."
            )
    nice_total = len(m.nice_to_have_matched) + len(m.nice_to_have_missing)
    if nice_total:
        parts.append(f"Has {len(m.nice_to_have_matched)} of {nice_total} nice-to-have skills.")
    if m.min_years:
        if m.years is None:
            parts.append(f"Years of experience not found; the opening asks for {m.min_years:g}.")
        else:
            verdict = "meets" if m.experience_ok else "below"
            parts.append(
                f"About {m.years:g} years of experience ({verdict} the {m.min_years:g} asked)."
            )
    elif m.years is not None:
        parts.append(f"About {m.years:g} years of experience.")
    closeness = "close to" if m.similarity >= SIMILARITY_FULL_AT / 2 else "unlike"
    parts.append(f"Wording {closeness} the job description (similarity {m.similarity:.2f}).")
    return replace(m, explanation=" ".join(parts))
