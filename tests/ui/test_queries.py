"""app.recruiting.queries: what the pages read, paged and sorted on the server, permission first."""

from __future__ import annotations

import time

import pytest

from app.analysis import ReportRow
from app.analysis.report import report_table
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput, NotFound
from app.recruiting import queries, reports
from tests.engine.helpers import items, wait_finished
from tests.ui.conftest import make_account
from tests.ui.helpers import csv_rows, resume_txt, wait_reported

# Name, skills, years of experience: scores tie on purpose, so the tie-breaks show.
PEOPLE = [
    ("Ann Adams", "Python, PostgreSQL, Docker", "2010 - Present"),
    ("Ben Brown", "Python, PostgreSQL, Docker", "2020 - Present"),
    ("Cat Cole", "Python, PostgreSQL", "2015 - Present"),
    ("Dan Dore", "Python", "2018 - 2019"),
    ("Eve Ezra", "Excel", "2012 - Present"),
    ("Fay Fox", "Python, Docker", None),
    ("Gus Gray", "PostgreSQL, Docker", "2016 - Present"),
]
OPENING = {"title": "Backend Engineer", "must_have": ["Python", "PostgreSQL"],
           "nice_to_have": ["Docker"], "min_years": 2}


def resume(name: str, skills: str, years: str | None) -> bytes:
    if years is None:
        return f"{name}\n\nSkills\n{skills}\n".encode()
    return resume_txt(name, skills, years)


@pytest.fixture
def finished_batch(web):
    owner = make_account()
    batch = batches.submit(owner, kind="resume", title="Backend", params=OPENING, items=[
        *(NewItem(f"{n.split()[0].lower()}.txt", resume(n, s, y)) for n, s, y in PEOPLE),
        NewItem("broken.pdf", b"%PDF-1.4 broken"),
    ])
    with web.worker():
        wait_reported(batch.id)
    return owner, batch


def test_shortlist_ranks_like_the_report_and_pages_on_the_server(finished_batch):
    owner, batch = finished_batch
    every = queries.shortlist(owner, batch.id, per_page=100)
    assert every.total == 7 and every.pages == 1
    assert [r.rank for r in every.rows] == list(range(1, 8))
    report = report_table(ReportRow(i.name, i.result, i.error) for i in items(batch.id))
    assert [r.file for r in every.rows] == [row[2] for row in report if row[0] is not None]
    assert [r.score for r in every.rows] == [row[3] for row in report if row[0] is not None]

    page2 = queries.shortlist(owner, batch.id, page=2, per_page=3)
    assert (page2.total, page2.pages, page2.page) == (7, 3, 2)
    assert [r.file for r in page2.rows] == [r.file for r in every.rows[3:6]]
    assert [r.rank for r in page2.rows] == [4, 5, 6]
    last = queries.shortlist(owner, batch.id, page=3, per_page=3)
    assert [r.rank for r in last.rows] == [7]


def test_shortlist_sorts_by_name_score_and_years_keeping_ranks(finished_batch):
    owner, batch = finished_batch
    by_rank = {r.file: r.rank for r in queries.shortlist(owner, batch.id, per_page=100).rows}
    names = queries.shortlist(owner, batch.id, sort="name", per_page=100).rows
    assert [r.name for r in names] == sorted(n for n, _, _ in PEOPLE)
    assert all(r.rank == by_rank[r.file] for r in names)
    backwards = queries.shortlist(owner, batch.id, sort="name", descending=True, per_page=100)
    assert [r.name for r in backwards.rows] == sorted((n for n, _, _ in PEOPLE), reverse=True)

    scores = [r.score for r in queries.shortlist(owner, batch.id, sort="score",
                                                 descending=True, per_page=100).rows]
    assert scores == sorted(scores, reverse=True)
    low_first = [r.score for r in queries.shortlist(owner, batch.id, sort="score",
                                                    per_page=100).rows]
    assert low_first == sorted(scores)

    most = queries.shortlist(owner, batch.id, sort="years", descending=True, per_page=100).rows
    years = [r.years for r in most]
    assert years[-1] is None and most[-1].name == "Fay Fox"  # unknown years last
    assert years[:-1] == sorted(years[:-1], reverse=True)
    fewest = queries.shortlist(owner, batch.id, sort="years", per_page=100).rows
    assert fewest[-1].years is None
    assert [r.years for r in fewest[:-1]] == sorted(years[:-1])


def test_shortlist_rows_carry_skills_and_band(finished_batch):
    owner, batch = finished_batch
    top = queries.shortlist(owner, batch.id, per_page=1).rows[0]
    assert top.name == "Ann Adams" and top.file == "ann.txt"
    assert top.must_have_matched == ["Python", "PostgreSQL"]
    assert top.must_have_missing == [] and top.nice_to_have_matched == ["Docker"]
    # Every skill, but no title like "Backend Engineer" (only "Engineer"): good, not strong
    assert top.band == "good" and top.years and top.years > 10
    eve = next(r for r in queries.shortlist(owner, batch.id, per_page=100).rows
               if r.name == "Eve Ezra")
    assert eve.must_have_missing == ["Python", "PostgreSQL"] and eve.band == "weak"


def test_failed_items_and_details(finished_batch):
    owner, batch = finished_batch
    failed = queries.failed_items(owner, batch.id)
    assert failed.total == 1
    assert failed.rows[0].file == "broken.pdf"
    assert failed.rows[0].reason.startswith("This PDF is damaged or incomplete")
    top = queries.shortlist(owner, batch.id, per_page=1).rows[0]
    detail = queries.item_detail(owner, top.item_id)
    assert detail.file == "ann.txt" and detail.status == "done"
    assert detail.analysis["match"]["explanation"].startswith("Good match (score 66). Role:")


def test_another_recruiter_sees_nothing(finished_batch):
    owner, batch = finished_batch
    other = make_account()
    top = queries.shortlist(owner, batch.id, per_page=1).rows[0]
    for read in (lambda: queries.get_batch(other, batch.id),
                 lambda: queries.shortlist(other, batch.id),
                 lambda: queries.failed_items(other, batch.id),
                 lambda: reports.report_document(other, batch.id, "csv")):
        with pytest.raises(NotFound, match="^We could not find that screening.$"):
            read()
    with pytest.raises(NotFound, match="^We could not find that resume.$"):
        queries.item_detail(other, top.item_id)
    assert queries.list_batches(other).total == 0
    # An admin sees every screening
    admin = make_account(role="admin")
    assert queries.get_batch(admin, batch.id).id == batch.id


def test_report_documents(finished_batch):
    owner, batch = finished_batch
    report = reports.report_document(owner, batch.id, "csv")
    assert report.filename == "shortlist-Backend.csv"
    assert report.content_type.startswith("text/csv")
    rows = csv_rows(report.content)
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5", "6", "7", ""]
    assert rows[-1]["file"] == "broken.pdf" and rows[-1]["error"].startswith("This PDF")
    xlsx = reports.report_document(owner, batch.id, "xlsx")
    assert xlsx.filename == "shortlist-Backend.xlsx" and xlsx.content[:2] == b"PK"


def test_list_batches_newest_first_with_paging(web):
    owner = make_account()
    made = [batches.submit(owner, kind="noop", operator=True, title=f"Batch {i}",
                           items=[NewItem("x")], dispatch=False) for i in range(5)]
    first = queries.list_batches(owner, page=1, per_page=2)
    assert (first.total, first.pages) == (5, 3)
    assert [b.title for b in first.rows] == ["Batch 4", "Batch 3"]
    third = queries.list_batches(owner, page=3, per_page=2)
    assert [b.id for b in third.rows] == [made[0].id]
    assert queries.list_batches(owner, page=9, per_page=2).rows == []


def test_bad_paging_and_sorting_are_refused(web):
    owner = make_account()
    with pytest.raises(InvalidInput):
        queries.list_batches(owner, page="x")
    with pytest.raises(InvalidInput):
        queries.shortlist(owner, "00000000-0000-0000-0000-000000000000", sort="email")
    assert queries.list_batches(owner, page=-3, per_page=10_000).per_page == queries.MAX_PER_PAGE


def test_report_filenames_are_safe():
    assert reports.report_filename("Nurse / ICU: nights", "csv") == "shortlist-Nurse--ICU-nights.csv"
    assert reports.report_filename("../../etc", "xlsx") == "shortlist-etc.xlsx"
    assert reports.report_filename("Kraków 東京", "csv") == "shortlist-Krakw.csv"
    assert reports.report_filename("", "csv") == "shortlist.csv"


def test_the_report_is_rebuilt_after_a_retry(web):
    owner = make_account()
    batch = batches.submit(owner, kind="resume", params={"title": "Analyst"}, dispatch=False,
                           items=[NewItem(f"{n}.txt", resume_txt(f"{n} Lee", "SQL"))
                                  for n in ("Ann", "Bob")])
    batches.cancel(owner, batch.id)
    with web.worker():
        wait_reported(batch.id)  # the cancelled batch's (empty) report
        assert csv_rows(reports.report_document(owner, batch.id, "csv").content) == []
        assert batches.retry(owner, batch.id, include_cancelled=True) == 2
        wait_finished(batch.id)
        deadline = time.monotonic() + 3
        rows: list = []
        while time.monotonic() < deadline and len(rows) < 2:
            rows = csv_rows(reports.report_document(owner, batch.id, "csv").content)
            time.sleep(0.1)
    assert sorted(r["file"] for r in rows) == ["Ann.txt", "Bob.txt"]
