"""Sending what an ending released: off the flusher's thread, and never lost when Redis
refuses it (the items wait as pending for the next top-up)."""

from __future__ import annotations

import redis.exceptions

from app.db import get_engine
from app.engine import counters, dispatch, processing, transitions
from app.engine.broker import get_broker
from app.models import ItemStatus, utcnow
from tests.engine.helpers import assert_counters_match_items, items, make_user, submit_noop


def _release_one(batch_id) -> list[int]:
    """What a finished item's statement does: the batch's next pending item -> queued."""
    now = utcnow()
    with get_engine().begin() as conn:
        released = transitions.queue_pending(conn, batch_id, 1, now)
        counters.move_counters(conn, batch_id, {ItemStatus.pending: -1,
                                                   ItemStatus.queued: 1}, now)
    return released


def _queue_length(lane: str) -> int:
    broker = get_broker()
    return broker.client.llen(f"{broker.namespace}:{lane}")


def test_one_lane_refused_goes_back_to_pending_the_other_is_sent(stack_factory, monkeypatch):
    stack_factory(DISPATCH_WINDOW=1)
    user = make_user()
    normal = submit_noop(user, 3, lane="normal")
    low = submit_noop(user, 3, lane="low")
    released_normal, released_low = _release_one(normal.id), _release_one(low.id)
    sent_before = {"normal": _queue_length("normal"), "low": _queue_length("low")}
    real_send = dispatch.send_items

    def send_items(lane, item_ids):
        if lane == "low":
            raise redis.exceptions.ConnectionError("Connection refused")
        return real_send(lane, item_ids)

    monkeypatch.setattr(processing.dispatch, "send_items", send_items)
    sent = processing._send_group([
        processing._Send(normal.id, "normal", released_normal),
        processing._Send(low.id, "low", released_low),
    ])

    assert sent == [1, 0]
    assert _queue_length("normal") == sent_before["normal"] + 1
    assert _queue_length("low") == sent_before["low"]
    assert [i.status for i in items(normal.id)] == ["queued", "queued", "pending"]
    # Refused: back to pending, counters moved with it; the next top-up sends it.
    assert [i.status for i in items(low.id)] == ["queued", "pending", "pending"]
    assert assert_counters_match_items(low.id)["pending"] == 2
    assert assert_counters_match_items(normal.id)["queued"] == 2


def test_flush_endings_waits_for_the_sends_too(stack_factory):
    stack_factory(DISPATCH_WINDOW=1)
    batch = submit_noop(make_user(), 2, lane="normal")
    released = _release_one(batch.id)
    before = _queue_length("normal")
    processing._sends.submit(processing._Send(batch.id, "normal", released))
    assert processing.flush_endings(timeout_s=10) is True
    assert _queue_length("normal") == before + 1
