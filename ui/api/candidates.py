"""The candidate pool: search the caller's candidates, read one. Thin: they call
app.recruiting.candidates."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from app.recruiting import candidates, forget
from ui.api.auth import UserDep
from ui.api.models import API_PREFIX
from ui.api.openapi import errors_doc

router = APIRouter(tags=["candidates"])


class CandidateOut(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    years: float | None
    skills: list[str]
    updated_at: datetime
    latest_file: str

    @classmethod
    def of(cls, row: candidates.CandidateRow) -> CandidateOut:
        return cls(id=row.id, name=row.name, email=row.email, phone=row.phone,
                   years=row.years, skills=row.skills, updated_at=row.updated_at,
                   latest_file=row.latest_file)


class CandidatePageOut(BaseModel):
    data: list[CandidateOut]
    next_cursor: str | None


class CandidateFileOut(BaseModel):
    item_id: int
    name: str
    batch_id: str
    batch_title: str
    score: float | None
    band: str | None
    screened_at: datetime | None
    document: str


class CandidateDetailOut(CandidateOut):
    files: list[CandidateFileOut]


@router.get("/candidates", response_model=CandidatePageOut, summary="Search your candidates",
            description="Your pool: one entry per person across your screenings, newest"
                        " first. `q` matches every word in the name, email, phone, skills,"
                        " role titles or the start of the resume, in any case. Pages: pass"
                        " `next_cursor` back as `cursor`.",
            responses=errors_doc(400, 401, 403, 422))
def search_candidates(
    user: UserDep,
    q: str | None = Query(None, max_length=200),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(25, ge=1, le=candidates.MAX_LIMIT),
    min_years: float | None = Query(None, ge=0, le=60,
                                    description="At least this many years of experience."),
) -> CandidatePageOut:
    page = candidates.search(user, q, cursor=cursor, limit=limit, min_years=min_years)
    return CandidatePageOut(data=[CandidateOut.of(r) for r in page.rows],
                            next_cursor=page.next_cursor)


@router.get("/candidates/{candidate_id}", response_model=CandidateDetailOut,
            summary="One candidate, with every file of theirs",
            description="Each file with its screening and score, newest screening first;"
                        " `document` downloads the original. Your own candidates (admins:"
                        " any); to anyone else a 404.",
            responses=errors_doc(401, 403, 404, 422))
def get_candidate(user: UserDep,
                  candidate_id: int = Path(ge=1, le=2**63 - 1)) -> CandidateDetailOut:
    found = candidates.detail(user, candidate_id)
    return CandidateDetailOut(
        **CandidateOut.of(found.candidate).model_dump(),
        files=[CandidateFileOut(**f.__dict__, document=f"{API_PREFIX}/items/{f.item_id}/document")
               for f in found.files])


class ForgottenOut(BaseModel):
    files: int
    screenings: int


@router.delete("/candidates/{candidate_id}", response_model=ForgottenOut,
               summary="Delete a candidate and every file of theirs",
               description="Resumes are personal data: the candidate's files go from every"
                           " screening that holds them (their counters and reports are"
                           " rebuilt; a screening left empty is deleted). Refused (409) while"
                           " one of those screenings runs. The owner or an admin.",
               responses=errors_doc(401, 403, 404, 409, 422))
def delete_candidate(user: UserDep,
                     candidate_id: int = Path(ge=1, le=2**63 - 1)) -> ForgottenOut:
    return ForgottenOut(**forget.forget_candidate(user, candidate_id))
