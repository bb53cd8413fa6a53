"""Acks go to Redis in bulk, a moment after each message (app.engine.broker.LaneConsumer.ack):
a stopping worker sends those still waiting, and does not wait out the linger to do it."""

from __future__ import annotations

import time

from app.settings import LANES
from tests.conftest import wait_until
from tests.engine.helpers import assert_counters_match_items, load, make_user, submit_noop


def test_a_stopping_worker_sends_its_waiting_acks_at_once(stack):
    broker, ns = stack.broker, stack.settings.redis_namespace
    broker.acks._linger_s = 30.0  # acks would wait half a minute, but for the stop
    batch = submit_noop(make_user(), 6)
    with stack.worker(threads=2):
        wait_until(lambda: load(batch.id).status == "done", timeout=30, message="done")
        # Processed, not yet acked.
        assert sum(broker.client.hlen(f"{ns}:{lane}.msgs") for lane in LANES) > 0
        stopping = time.monotonic()
    stop_s = time.monotonic() - stopping
    assert stop_s < 20, f"the stop waited out the linger ({stop_s:.1f}s)"
    client = broker.client
    assert [k for k in client.scan_iter(f"{ns}:__acks__.*") if client.scard(k)] == []
    assert {lane: client.hlen(f"{ns}:{lane}.msgs") for lane in LANES} == dict.fromkeys(
        LANES, 0)
    assert assert_counters_match_items(batch.id)["done"] == 6
