"""One row per person on the shortlist, in the reports and in the items' duplicate_of
(app.engine.duplicates, the rule in app.analysis.identity), on both databases."""

from __future__ import annotations

import random
import statistics
import time

import pytest
from sqlalchemy import bindparam, update

from app.db import get_engine
from app.engine import batches, duplicates
from app.engine.batches import NewItem
from app.models import Batch, Item
from app.recruiting import queries, reports
from tests.analysis.factories import ACCOUNTANT, NURSE, make_docx, make_pdf
from tests.analysis.test_identity import PRIYA, PRIYA_REWRITTEN
from tests.engine.helpers import items, load
from tests.ui.conftest import make_account
from tests.ui.helpers import csv_rows, wait_reported

OPENING = {"title": "Data Analyst", "description": "SQL and Python analytics, dashboards.",
           "must_have": ["SQL", "Python"], "nice_to_have": ["Tableau"], "min_years": 3}
# Same name and email as Priya, another phone, another resume: possibly her, not merged.
MAYBE = "Priya Natarajan\npriya.natarajan@gmail.com | (212) 861-3340\n\n" + ACCOUNTANT
item_t, batch_t = Item.__table__, Batch.__table__


@pytest.fixture
def people_batch(web):
    owner = make_account()
    batch = batches.submit(owner, kind="resume", title="Data", params=OPENING, items=[
        NewItem("priya.pdf", make_pdf(PRIYA)),
        NewItem("priya.docx", make_docx(PRIYA)),
        NewItem("priya-lead.txt", PRIYA_REWRITTEN.encode()),
        NewItem("nurse.txt", NURSE.encode()),
        NewItem("maybe.txt", MAYBE.encode()),
    ])
    with web.worker():
        wait_reported(batch.id)
    return owner, batch


def _by_name(batch_id) -> dict[str, Item]:
    return {i.name: i for i in items(batch_id)}


def test_one_row_per_person_kept_file_is_the_best_and_the_others_are_named(people_batch):
    owner, batch = people_batch
    files = _by_name(batch.id)
    assert all(i.status == "done" for i in files.values())
    priya = [files[n] for n in ("priya.pdf", "priya.docx", "priya-lead.txt")]
    kept = max(priya, key=lambda i: (i.score, -i.seq))  # best score, then first uploaded
    others = tuple(i.name for i in sorted(priya, key=lambda i: i.seq) if i is not kept)

    page = queries.shortlist(owner, batch.id, per_page=100)
    assert page.total == 3  # people, not files
    assert [r.rank for r in page.rows] == [1, 2, 3]
    assert sorted(r.file for r in page.rows) == sorted([kept.name, "nurse.txt", "maybe.txt"])
    rows = {r.file: r for r in page.rows}
    assert rows[kept.name].also_uploaded_as == others
    assert rows[kept.name].possibly_same_as == ("Priya Natarajan (maybe.txt)",)
    assert rows["maybe.txt"].also_uploaded_as == ()
    assert rows["maybe.txt"].possibly_same_as == (f"Priya Natarajan ({kept.name})",)
    assert (rows["nurse.txt"].also_uploaded_as, rows["nurse.txt"].possibly_same_as) == ((), ())
    # Counters count files.
    assert load(batch.id).n_done == 5

    # Written at finalize: the other files point at the kept one.
    assert {i.name: i.duplicate_of for i in items(batch.id)} == {
        "priya.pdf": None if kept.name == "priya.pdf" else kept.id,
        "priya.docx": None if kept.name == "priya.docx" else kept.id,
        "priya-lead.txt": None if kept.name == "priya-lead.txt" else kept.id,
        "nurse.txt": None, "maybe.txt": None}
    assert queries.duplicate_map(owner, batch.id) == {
        files[n].id: kept.id for n in others}

    # The details say the same.
    detail = queries.item_detail(owner, files[others[0]].id)
    assert detail.duplicate_of == kept.id
    detail = queries.item_detail(owner, kept.id)
    assert detail.duplicate_of is None and detail.also_uploaded_as == others

    # The report lists each person once, ranked 1..3.
    report = csv_rows(reports.report_document(owner, batch.id, "csv").content)
    assert [(r["rank"], r["file"]) for r in report] == [
        (str(n), r.file) for n, r in enumerate(page.rows, start=1)]


def test_while_the_batch_runs_the_list_follows_the_files_that_are_done(people_batch):
    """Read time: before finalize, duplicates are worked out from the done items; a
    person's best file that is not done yet is replaced by the next best."""
    owner, batch = people_batch
    files = _by_name(batch.id)
    priya = sorted((files[n] for n in ("priya.pdf", "priya.docx", "priya-lead.txt")),
                   key=lambda i: (-i.score, i.seq))
    kept, second, third = priya
    with get_engine().begin() as conn:  # as if the batch were still running
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(
            summary=None, n_done=4, n_running=1))
        conn.execute(update(item_t).where(item_t.c.id == kept.id).values(status="running"))
    page = queries.shortlist(owner, batch.id, per_page=100)
    assert page.total == 3
    rows = {r.file: r for r in page.rows}
    assert kept.name not in rows and rows[second.name].also_uploaded_as == (third.name,)
    assert queries.duplicate_map(owner, batch.id) == {third.id: second.id}
    with get_engine().begin() as conn:  # the best file finishes: it takes the person's row
        conn.execute(update(batch_t).where(batch_t.c.id == batch.id).values(
            n_done=5, n_running=0))
        conn.execute(update(item_t).where(item_t.c.id == kept.id).values(status="done"))
    rows = {r.file: r for r in queries.shortlist(owner, batch.id, per_page=100).rows}
    assert second.name not in rows and kept.name in rows
    assert queries.duplicate_map(owner, batch.id) == {second.id: kept.id, third.id: kept.id}


def _fake_fingerprint(rng: random.Random, n: int) -> dict:
    return {"emails": [f"person{n}@mail.test"], "phones": [f"406{n:07d}"], "name": None,
            "minhash": [rng.getrandbits(32) for _ in range(64)]}


def test_working_out_the_people_of_2000_done_items_is_quick(web, monkeypatch):
    """2,000 done items, 200 of them another copy of someone: the grouping the shortlist
    does at each read while a batch runs, timed (median of 5), and a shortlist page with
    and without it."""
    owner = make_account(role="admin")
    batch = batches.submit(owner, kind="noop", operator=True,
                           items=[NewItem(f"resume {n}.pdf") for n in range(2000)])
    rng = random.Random(7)
    prints = [_fake_fingerprint(rng, n) for n in range(1800)]
    prints += [prints[rng.randrange(1800)] for _ in range(200)]
    rows = []
    for item, fp in zip(items(batch.id), prints):
        score = rng.randrange(20, 95)
        rows.append({"item_id": item.id, "score": float(score), "result": {
            "identity": fp, "profile": {"name": None, "emails": fp["emails"], "phones": [],
                                        "years": 3.0},
            "match": {"score": score, "band": "good", "must_have_missing": []}}})
    with get_engine().begin() as conn:
        conn.execute(update(item_t).where(item_t.c.id == bindparam("item_id"))
                     .values(status="done", score=bindparam("score"),
                             result=bindparam("result")), rows)

    def median_ms(read, times: int = 5) -> float:
        timings = []
        for _ in range(times):
            started = time.perf_counter()
            read()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000

    def grouping():
        with get_engine().connect() as conn:
            return duplicates.people(conn, batch.id)

    reuse = False

    def page():
        if not reuse:
            duplicates._cache.clear()
        return queries.shortlist(owner, batch.id, per_page=25)

    copies = 2000 - len({tuple(fp["minhash"]) for fp in prints})
    assert len(grouping().duplicate_ids) == copies and page().total == 2000 - copies
    grouping_ms, page_ms = median_ms(grouping), median_ms(page)
    reuse = True
    page()
    cached_ms = median_ms(page)  # the same batch again: its grouping is reused
    monkeypatch.setattr(duplicates, "people", lambda *args: duplicates.People(
        duplicates.identity.Groups(), {}))
    assert page().total == 2000
    before_ms = median_ms(page)
    print(f"\n{get_engine().dialect.name}: 2,000 items, {copies} copies: grouping"
          f" {grouping_ms:.0f} ms; a shortlist page {page_ms:.0f} ms, {cached_ms:.0f} ms"
          f" with the grouping reused, {before_ms:.0f} ms without grouping")
    assert grouping_ms < 1000 and page_ms < 2000


def test_a_shortlist_row_names_the_other_files_and_who_else_it_may_be():
    from ui.views.shortlist_table import row_of
    row = queries.ShortlistRow(
        item_id=1, rank=1, file="priya.pdf", name="Priya Natarajan", score=80, band="strong",
        must_have_matched=["SQL"], must_have_missing=[], nice_to_have_matched=[], years=7.0,
        also_uploaded_as=("priya.docx", "priya-lead.txt"),
        possibly_same_as=("Priya Natarajan (maybe.txt)",))
    shown = row_of(row)
    assert shown["also"] == "Also uploaded as priya.docx, priya-lead.txt"
    assert shown["possibly"] == "Possibly the same person as Priya Natarajan (maybe.txt)"
    plain = row_of(queries.ShortlistRow(
        item_id=2, rank=2, file="nurse.txt", name=None, score=10, band="weak",
        must_have_matched=[], must_have_missing=["SQL"], nice_to_have_matched=[], years=None))
    assert (plain["also"], plain["possibly"]) == ("", "")
