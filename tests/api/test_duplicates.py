"""GET /batches/{id}/items: a person's other files carry `duplicate_of` (the kept item's
id), while the batch runs and once it is finalized; the CSV report lists the person once."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import update

from app.db import get_engine
from app.models import Batch
from tests.analysis.factories import NURSE
from tests.analysis.test_identity import PRIYA
from tests.conftest import wait_until
from tests.engine.helpers import load, wait_finished

OPENING = {"title": "Data Analyst", "must_have": ["SQL", "Python"], "min_years": 3}
EDITED = PRIYA.replace("seven years", "eight years").replace("Tableau, ", "")


def test_items_say_which_file_is_kept_and_the_report_lists_each_person_once(api):
    alice, bob = api.user(), api.user()
    body = {"opening": OPENING, "items": [{"name": "priya-old.txt", "text": EDITED},
                                          {"name": "nurse.txt", "text": NURSE},
                                          {"name": "priya.txt", "text": PRIYA}]}
    response = api.post("/batches", alice, json=body)
    assert response.status_code == 201, response.text
    batch_id = response.json()["id"]
    with api.stack.worker(threads=2):
        wait_finished(uuid.UUID(batch_id))
        wait_until(lambda: load(uuid.UUID(batch_id)).summary is not None,
                   message="the batch's reports")
    data = api.get(f"/batches/{batch_id}/items", alice).json()["data"]
    by_name = {i["name"]: i for i in data}
    old, new = by_name["priya-old.txt"], by_name["priya.txt"]
    kept, other = (old, new) if old["score"] >= new["score"] else (new, old)
    assert other["duplicate_of"] == kept["id"]
    assert kept["duplicate_of"] is None and by_name["nurse.txt"]["duplicate_of"] is None
    # Paging does not change it: each page says the same.
    pages = [api.get(f"/batches/{batch_id}/items?limit=1", alice).json()["data"][0]]
    assert pages[0]["duplicate_of"] == by_name[pages[0]["name"]]["duplicate_of"]
    assert api.get(f"/batches/{batch_id}/items", bob).status_code == 404

    report = api.get(f"/batches/{batch_id}/report.csv", alice)
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert sorted(r["file"] for r in rows) == sorted([kept["name"], "nurse.txt"])
    assert sorted(r["rank"] for r in rows) == ["1", "2"]

    # While a batch runs (not finalized), the same answer is worked out from its done items.
    batch_t = Batch.__table__
    with get_engine().begin() as conn:
        conn.execute(update(batch_t).where(batch_t.c.id == uuid.UUID(batch_id))
                     .values(summary=None, status="running"))
    live = {i["name"]: i["duplicate_of"]
            for i in api.get(f"/batches/{batch_id}/items", alice).json()["data"]}
    assert live == {i["name"]: i["duplicate_of"] for i in data}


def test_items_of_a_batch_without_people_have_no_duplicate(api):
    alice = api.user()
    batch = api.submit_noop(alice, 3)
    with api.stack.worker(threads=2):
        wait_finished(uuid.UUID(batch["id"]))
    data = api.get(f"/batches/{batch['id']}/items", alice).json()["data"]
    assert [i["duplicate_of"] for i in data] == [None, None, None]
