"""The candidate pool (issue 23, part 2): one entry per person across a recruiter's
screenings, by the same identity rules as inside one; searched by name, contact, skill and
text; gone with the last screening that holds their files."""

from __future__ import annotations

import pytest

from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput, NotFound
from app.models import Candidate, CandidateItem, CandidateKey
from app.recruiting import candidates, rescreen
from tests.analysis import factories
from tests.engine.helpers import count_rows, items, make_user, wait_finalized

OPENING = {"title": "Registered Nurse", "description": "Patient care, BLS, ICU."}


def _screen(stack, user, files):
    batch = batches.submit(user, kind="resume", params=OPENING,
                           items=[NewItem(n, d) for n, d in files])
    with stack.worker(threads=2):
        wait_finalized(batch.id, timeout=120)  # finalizing links the pool
    return batch


def _pool(user):
    return {c.name: c for c in candidates.search(user, limit=100).rows}


def test_one_entry_per_person_across_screenings(stack):
    owner, other = make_user(), make_user()
    first = _screen(stack, owner, [("nurse.txt", factories.NURSE.encode()),
                                   ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR))])
    second = _screen(stack, owner, [("maria.docx", factories.make_docx(factories.NURSE)),
                                    ("sales.txt", factories.SALES.encode())])
    pool = _pool(owner)
    assert sorted(pool) == ["Jane Doe", "Maria Garcia", "Olivia Brown"]
    maria = candidates.detail(owner, pool["Maria Garcia"].id)
    # Her two files, the newest screening first; she is described by the latest one
    assert [(f.name, f.batch_id) for f in maria.files] == [
        ("maria.docx", str(second.id)), ("nurse.txt", str(first.id))]
    assert "Patient care" in maria.candidate.skills
    # Screening her files again links them to her, it does not add a person
    again = rescreen.rescreen(owner, second.id, params={"title": "Charge Nurse"})
    with stack.worker(threads=2):
        wait_finalized(again.id, timeout=120)
    assert sorted(_pool(owner)) == ["Jane Doe", "Maria Garcia", "Olivia Brown"]
    assert len(candidates.detail(owner, pool["Maria Garcia"].id).files) == 3
    assert count_rows(CandidateItem) == len(items(first.id)) + 2 * len(items(second.id))
    # Another recruiter's pool is theirs alone
    assert candidates.search(other).rows == []
    with pytest.raises(NotFound):
        candidates.detail(other, pool["Maria Garcia"].id)
    assert candidates.detail(make_user(role="readonly_admin"), pool["Jane Doe"].id).files


def test_search_by_name_contact_skill_and_text_with_pages(stack):
    owner = make_user()
    _screen(stack, owner, [("nurse.txt", factories.NURSE.encode()),
                           ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR)),
                           ("sales.txt", factories.SALES.encode())])

    def names(q, **kw):
        return sorted(c.name for c in candidates.search(owner, q, **kw).rows)

    assert names("maria") == ["Maria Garcia"]
    assert names("MARIA.GARCIA@") == ["Maria Garcia"]  # email, any case
    assert names("python") == ["Jane Doe"]  # a skill
    assert names("mercy hospital") == ["Maria Garcia"]  # the resume's text, every word
    assert names("nurse python") == []
    assert names("100%_") == []  # LIKE's wildcards are plain characters
    # Experience: Maria 6+ years (2018 - present), Jane and Olivia as their resumes say
    years = {c.name: c.years for c in candidates.search(owner).rows}
    cut = sorted(years.values())[1]
    assert names(None, min_years=cut) == sorted(n for n, y in years.items() if y >= cut)
    assert len(names(None, min_years=cut)) == 2
    with pytest.raises(InvalidInput):
        candidates.search(owner, min_years=-1)
    first = candidates.search(owner, limit=2)
    rest = candidates.search(owner, limit=2, cursor=first.next_cursor)
    assert len(first.rows) == 2 and len(rest.rows) == 1 and rest.next_cursor is None
    assert {c.id for c in first.rows}.isdisjoint({c.id for c in rest.rows})
    with pytest.raises(InvalidInput):
        candidates.search(owner, cursor="not-a-cursor")
    with pytest.raises(InvalidInput):
        candidates.search(owner, limit=0)


def test_a_person_goes_with_the_last_screening_that_holds_their_files(stack):
    owner, admin = make_user(), make_user(role="admin")
    first = _screen(stack, owner, [("nurse.txt", factories.NURSE.encode()),
                                   ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR))])
    second = _screen(stack, owner, [("maria.docx", factories.make_docx(factories.NURSE))])
    batches.delete(owner, first.id)
    assert sorted(_pool(owner)) == ["Maria Garcia"]  # Jane's only screening is gone
    batches.delete(admin, second.id)
    assert [count_rows(m) for m in (Candidate, CandidateKey, CandidateItem)] == [0, 0, 0]


def test_a_new_file_is_compared_only_with_candidates_sharing_a_key(stack, monkeypatch):
    """Linking a screening compares each person only with the candidates found under one
    of their keys (an email, a phone, a band of the text signature), never the whole pool."""
    from app.analysis import identity

    owner = make_user()
    _screen(stack, owner, [("nurse.txt", factories.NURSE.encode()),
                           ("dev.pdf", factories.make_pdf(factories.SOFTWARE_SENIOR)),
                           ("sales.txt", factories.SALES.encode())])
    compared = []
    real = identity.compare
    monkeypatch.setattr(identity, "compare", lambda a, b: compared.append(b) or real(a, b))
    _screen(stack, owner, [("teacher.txt", factories.TEACHER.encode())])
    assert compared == []  # nobody in the pool shares a key with her
    _screen(stack, owner, [("maria.docx", factories.make_docx(factories.NURSE))])
    assert [fp.name for fp in compared] == [("maria", "garcia")]
    assert sorted(_pool(owner)) == ["Emily Watson", "Jane Doe", "Maria Garcia", "Olivia Brown"]
