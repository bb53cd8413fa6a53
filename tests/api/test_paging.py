"""Hostile paging parameters: `limit` and `cursor` of the list endpoints answer 400 or 422
with a clear message, never a 500, and never reach the database as they are (audit
finding 15)."""

from __future__ import annotations

import pytest

from app.admin import batch_search
from app.admin.batch_search import InvalidCursor, encode_cursor
from tests.api.conftest import error_of
from tests.engine.helpers import submit_noop

NO_ID = "00000000-0000-0000-0000-000000000000"
CURSOR_REFUSED = (400, "invalid_cursor",
                  "This page cursor is not valid. Use the next_cursor of the previous page as"
                  " it is.")


def refusal(response) -> tuple[int, str, str]:
    status, code = error_of(response)
    return status, code, response.json()["error"]["message"]


@pytest.mark.parametrize("limit, message", [
    ("0", "query.limit: Input should be greater than or equal to 1"),
    ("-1", "query.limit: Input should be greater than or equal to 1"),
    ("9" * 40, "query.limit: Input should be less than or equal to 200"),
    ("x", "query.limit: Input should be a valid integer, unable to parse string as an integer"),
    ("1e999", "query.limit: Input should be a valid integer, unable to parse string as an"
              " integer"),
    ("2.5", "query.limit: Input should be a valid integer, unable to parse string as an"
            " integer"),
])
def test_a_bad_limit_is_422_with_the_reason(api, limit, message):
    alice = api.user()
    batch_id = submit_noop(alice, 1, dispatch=False).id
    for path in ("/batches", f"/batches/{batch_id}/items"):
        assert refusal(api.get(f"{path}?limit={limit}", alice)) == (
            422, "validation_error", message)


def test_bad_cursors_are_400_never_500(api):
    alice = api.user()
    batch_id = str(submit_noop(alice, 1, dispatch=False).id)
    list_cursors = [
        "x", "%00", encode_cursor([1]),
        encode_cursor({"s": "newest", "v": 10**30, "i": NO_ID}),
        encode_cursor({"s": "newest", "v": "2020-01-01\x00", "i": NO_ID}),
        # Times no batch has: out of range once turned to UTC (was a 422 about a date)
        encode_cursor({"s": "newest", "v": "9999-12-31T23:59:59-05:00", "i": NO_ID}),
        encode_cursor({"s": "newest", "v": "0001-01-01T00:00:00+05:00", "i": NO_ID}),
    ]
    for cursor in list_cursors:
        assert refusal(api.get(f"/batches?cursor={cursor}", alice)) == CURSOR_REFUSED, cursor
    for after in [10**30, 2**63, -1, "x", None, 1.5, True]:
        cursor = encode_cursor({"b": batch_id, "i": after})
        assert refusal(api.get(f"/batches/{batch_id}/items?cursor={cursor}", alice)) == \
            CURSOR_REFUSED, after
    too_long = api.get(f"/batches?cursor={'A' * 600}", alice)
    assert refusal(too_long) == (422, "validation_error",
                                 "query.cursor: String should have at most 512 characters")


@pytest.mark.parametrize("sort, value", [
    ("-total", 10**30), ("total", -(2**63) - 1), ("lane", 2**70),
    ("title", "Nurse\x00"), ("owner", "\x00@example.com"),
])
def test_dashboard_cursors_with_values_no_column_holds_are_refused(api, sort, value):
    """The dashboard's column sorts: the cursor's value is bound as a query parameter, where
    a huge int overflows SQLite and a NUL is refused by PostgreSQL."""
    admin = api.user(role="admin")
    submit_noop(admin, 1, dispatch=False)
    cursor = encode_cursor({"s": sort, "v": value, "i": NO_ID})
    with pytest.raises(InvalidCursor):
        batch_search.search(admin, cursor=cursor, sort=sort)
