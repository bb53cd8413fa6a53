"""Paging requests the browser makes up: the page still shows a valid page, nothing raises,
and no SQL reaches the log (audit finding 15).

The shortlist table's `request` event and the My screenings pager's value come from the
browser as it sends them; a tampered client can send anything in their place.
"""

from __future__ import annotations

import logging

import pytest
from nicegui import ui

from app.engine import batches
from app.recruiting import queries
from app.recruiting.queries import MAX_PAGE, TableRequest, page_number, table_request
from tests.engine.helpers import submit_noop
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported
from tests.ui.test_pages import OPENING, people_items
from ui.views.batch import row_of

pytestmark = pytest.mark.anyio
SQL_WORDS = ("SELECT", "OFFSET", "LIMIT", "[SQL:", "sqlalchemy")

# Each made-up request, and what the table shows afterwards (sortBy, descending, page,
# rowsPerPage), from "name, ascending, page 2 of 2 rows a page".
MALFORMED = [
    ({"page": "x"}, ("name", False, 2, 2)),
    ({"page": 10**18}, ("name", False, 2, 2)),  # clamped, then the last page
    ({"sortBy": "name", "descending": False, "page": 10**18, "rowsPerPage": 2},
     ("name", False, 2, 2)),
    # 10**18 pages of 100: an OFFSET past PostgreSQL's bigint, SQLite's INTEGER
    ({"sortBy": "name", "descending": False, "page": 10**18, "rowsPerPage": 100},
     ("name", False, 1, 100)),
    ({"page": -7}, ("name", False, 1, 2)),
    ({"page": 2}, ("name", False, 2, 2)),
    ({"page": True}, ("name", False, 2, 2)),
    ({"page": 1.5}, ("name", False, 2, 2)),
    ({"rowsPerPage": -1}, ("name", False, 2, 2)),
    ({"rowsPerPage": 0}, ("name", False, 2, 2)),
    ({"rowsPerPage": 10**18}, ("name", False, 2, 2)),
    ({"rowsPerPage": "25"}, ("name", False, 2, 2)),
    ({"sortBy": "nonsense"}, ("name", False, 2, 2)),
    ({"sortBy": ["name"]}, ("name", False, 2, 2)),
    ({"sortBy": {"$ne": 1}}, ("name", False, 2, 2)),
    ({"descending": "yes"}, ("name", False, 2, 2)),
    ({"descending": 1}, ("name", False, 2, 2)),
    ("page=2", ("name", False, 2, 2)),
    ([1, 2, 3], ("name", False, 2, 2)),
    (7, ("name", False, 2, 2)),
]


def no_errors_or_sql(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert not [w for w in SQL_WORDS if w in caplog.text]


async def test_made_up_shortlist_requests_leave_a_valid_page(user, web, caplog):
    caplog.set_level(logging.DEBUG)
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Analyst", params=OPENING,
                           items=people_items())
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (4)", retries=30)
    table = next(iter(user.find(marker="shortlist").elements))
    shortlist = user.find(marker="shortlist")
    start = {"sortBy": "name", "descending": False, "page": 2, "rowsPerPage": 2,
             "rowsNumber": 4}
    caplog.clear()
    for asked, (sort, descending, page, per_page) in MALFORMED:
        shortlist.trigger("request", start)
        shortlist.trigger("request", asked)
        expected = {"sortBy": sort, "descending": descending, "page": page,
                    "rowsPerPage": per_page, "rowsNumber": 4}
        assert table.pagination == expected, asked
        shown = queries.shortlist(account, batch.id, page=page, per_page=per_page,
                                  sort=sort, descending=descending)
        assert table.rows == [row_of(r) for r in shown.rows], asked
        assert table.rows, asked
    no_errors_or_sql(caplog)


async def test_made_up_page_numbers_on_my_screenings(user, web, caplog):
    caplog.set_level(logging.DEBUG)
    account = make_account()
    for _ in range(21):  # 20 a page: two pages
        submit_noop(account, 1, dispatch=False)
    await sign_in(user, account.email, PASSWORD)
    await user.open("/")
    await user.should_see("My screenings")

    def shown() -> tuple[int, int]:
        pager = next(iter(user.find(kind=ui.pagination).elements))
        cards = [e for e in user.find(kind=ui.card).elements
                 if any(m.startswith("screening-") for m in e._markers)]
        return pager.value, len(cards)

    caplog.clear()
    for asked, expected in [(2, (2, 1)), ("x", (2, 1)), (10**18, (2, 1)), (-5, (1, 20)),
                            ([2], (1, 20)), (True, (1, 20)), (2.0, (1, 20)),
                            ({"page": 2}, (1, 20)), (2, (2, 1))]:
        user.find(kind=ui.pagination).trigger("update:modelValue", asked)
        assert shown() == expected, asked
    no_errors_or_sql(caplog)


def test_table_requests_are_validated_and_clamped_in_the_app():
    current = TableRequest("rank", False, 3, 25)

    def ask(**fields) -> TableRequest:
        return table_request(current, sorts=queries.SORTS, **fields)

    assert ask() == current
    assert ask(sort="score", descending=True, page=2, per_page=50) == TableRequest(
        "score", True, 2, 50)
    assert ask(page=10**18).page == MAX_PAGE
    assert ask(page=0).page == 1 and ask(page=-(10**18)).page == 1
    assert ask(page="2").page == 3 and ask(page=False).page == 3
    assert ask(per_page=queries.MAX_PER_PAGE + 1).per_page == 25
    assert ask(sort=None).sort == "rank" and ask(descending=None).descending is False
    assert page_number(10**18, 4) == MAX_PAGE and page_number("x", 4) == 4
    # The app's own queries never pass a huge offset to the database
    assert queries._paging(10**18, 10**18) == (MAX_PAGE, queries.MAX_PER_PAGE)
    with pytest.raises(queries.InvalidInput):
        queries._paging(float("inf"), 10)
