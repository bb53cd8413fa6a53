"""GET /api/v1/items/{id} with its history, POST .../retry and .../dismiss (issue 28,
part 3): the owner and admins only; to anyone else a 404."""

from __future__ import annotations

import uuid

from app.engine import batches
from tests.api.conftest import error_of
from tests.engine.helpers import items, wait_finished


def test_an_item_with_its_history_retried_and_dismissed_through_the_api(api):
    owner, other = api.user(), api.user()
    admin, readonly = api.user(role="admin"), api.user(role="readonly_admin")
    batch_id = uuid.UUID(api.submit_noop(owner, 4, params={"fail_rate": 0.5})["id"])
    with api.stack.worker(threads=2):
        wait_finished(batch_id)
    failed = [i for i in items(batch_id) if i.status == "failed"]
    done = next(i for i in items(batch_id) if i.status == "done")
    assert len(failed) == 2

    body = api.get(f"/items/{failed[0].id}", owner).json()
    assert (body["id"], body["batch_id"], body["status"], body["attempts"]) == (
        failed[0].id, str(batch_id), "failed", 1)
    assert body["error"] == "This item was chosen to fail (noop fail_rate)."
    assert body["dismissed_at"] is None
    [attempt] = body["history"]
    assert (attempt["number"], attempt["outcome"], attempt["lane"], attempt["detail"]) == (
        1, "failed", "critical", None)
    assert attempt["worker"] and attempt["duration_s"] >= 0
    assert api.get(f"/items/{failed[0].id}", admin).json()["history"][0]["outcome"] == "failed"

    for path in (f"/items/{failed[0].id}", f"/items/{failed[0].id}/retry",
                 f"/items/{failed[0].id}/dismiss"):
        call = api.get if path.count("/") == 2 else api.post
        assert error_of(call(path, other)) == (404, "not_found")
        assert call(path).status_code == 401
    assert error_of(api.get("/items/999999999", owner)) == (404, "not_found")
    assert error_of(api.post(f"/items/{failed[0].id}/dismiss", readonly))[0] == 403

    assert error_of(api.post(f"/items/{done.id}/dismiss", owner)) == (409, "conflict")
    assert error_of(api.post(f"/items/{done.id}/retry", owner)) == (409, "conflict")
    dismissed = api.post(f"/items/{failed[0].id}/dismiss", admin).json()
    assert dismissed["dismissed_at"] is not None
    assert batches.retryable_count(owner, batch_id) == 1

    retried = api.post(f"/items/{failed[0].id}/retry", owner).json()
    assert (retried["retried"], retried["batch"]["id"]) == (1, str(batch_id))
    with api.stack.worker(threads=2):
        wait_finished(batch_id)
    history = api.get(f"/items/{failed[0].id}", owner).json()["history"]
    assert [(a["number"], a["outcome"]) for a in history] == [(1, "failed"), (1, "failed")]
