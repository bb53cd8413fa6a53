"""Claims made when a message is fetched (app.engine.processing.claim_ahead, actors.claim_ahead):
the thread takes the claim made for it, an unstarted claim is handed back, a claim that
waited long renews its lease, and a stopping worker leaves nothing running."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
from dramatiq.broker import MessageProxy
from sqlalchemy import select, update

from actors.claim_ahead import ClaimAhead, item_of
from app.db import get_engine
from app.engine import processing
from app.engine.batches import dispatch_batch
from app.engine.broker import get_broker, queue_depths
from app.engine.dispatch import item_actor_name
from app.models import Item
from tests.conftest import wait_until
from tests.engine.helpers import (
    assert_counters_match_items,
    items,
    load,
    make_user,
    submit_noop,
    wait_finished,
)

item_t = Item.__table__


def _one_item(**params):
    batch = submit_noop(make_user(), 1, dispatch=False, **params)
    return batch, items(batch.id)[0].id


def _item(item_id: int) -> Item:
    with get_engine().connect() as conn:
        return Item(**conn.execute(select(item_t).where(item_t.c.id == item_id)).mappings().one())


def _queue(item_id: int) -> None:
    """Its batch dispatched: the item queued, its message waiting in the broker."""
    dispatch_batch(_item(item_id).batch_id)


def _message(item_id: int, **options) -> MessageProxy:
    return MessageProxy(dramatiq.Message(queue_name="normal", actor_name=item_actor_name("normal"),
                                         args=(item_id,), kwargs={}, options=options))


def test_the_thread_takes_the_claim_made_at_fetch(stack):
    batch, item_id = _one_item()
    _queue(item_id)
    processing.claim_ahead(item_id)
    processing.claim_ahead(item_id)  # a duplicate message: no second claim
    assert list(processing._ahead) == [item_id]
    assert processing.flush_endings(10)
    assert (_item(item_id).status, _item(item_id).attempts) == ("running", 1)
    assert assert_counters_match_items(batch.id)["running"] == 1

    assert processing.process_item(item_id) == "done"
    assert processing._ahead == {}
    assert (_item(item_id).status, _item(item_id).attempts) == ("done", 1)
    assert assert_counters_match_items(batch.id)["done"] == 1


def test_an_item_tried_before_is_claimed_by_its_thread_not_ahead(stack):
    """A worker killed holding items it claimed ahead spends an attempt of each; once
    tried, an item is claimed only when a thread starts it, so an innocent item fetched
    beside a poison file is not blamed again at each of its crashes."""
    batch, item_id = _one_item()
    _queue(item_id)
    with get_engine().begin() as conn:  # the lease sweep put it back after a crash
        conn.execute(update(item_t).where(item_t.c.id == item_id).values(attempts=1))
    processing.claim_ahead(item_id)
    assert processing.flush_endings(10)
    assert (_item(item_id).status, _item(item_id).attempts) == ("queued", 1)
    assert assert_counters_match_items(batch.id)["queued"] == 1

    assert processing.process_item(item_id) == "done"  # its thread claims it
    assert processing._ahead == {}
    assert (_item(item_id).status, _item(item_id).attempts) == ("done", 2)
    assert assert_counters_match_items(batch.id)["done"] == 1


def test_an_unstarted_claim_is_handed_back_with_its_attempt_refunded(stack):
    batch, item_id = _one_item()
    _queue(item_id)
    processing.claim_ahead(item_id)
    assert processing.release_unstarted([item_id, 999_999]) == 1
    assert (_item(item_id).status, _item(item_id).attempts) == ("queued", 0)
    counters = assert_counters_match_items(batch.id)
    assert (counters["queued"], counters["running"]) == (1, 0)
    assert processing.release_unstarted([item_id]) == 0  # nothing held any more
    assert processing.process_item(item_id) == "done"
    assert _item(item_id).attempts == 1


def test_a_claim_that_found_nothing_to_claim_hands_nothing_back(stack):
    batch, item_id = _one_item()  # pending: not claimable
    processing.claim_ahead(item_id)
    assert processing.release_unstarted([item_id]) == 0
    assert _item(item_id).status == "pending"
    assert assert_counters_match_items(batch.id)["pending"] == 1


def test_a_claim_that_waited_long_renews_its_lease(stack):
    batch, item_id = _one_item()
    _queue(item_id)
    processing.claim_ahead(item_id)
    assert processing.flush_endings(10)
    claimed_lease = _item(item_id).lease_expires_at
    future, since = processing._ahead[item_id]
    processing._ahead[item_id] = (future, since - stack.settings.lease_margin_s)
    claimed = processing.claim(item_id)
    assert claimed is not None and claimed[0].item_id == item_id
    renewed = _item(item_id)
    assert renewed.lease_expires_at > claimed_lease
    assert renewed.lease_expires_at - renewed.started_at == timedelta(
        seconds=stack.settings.lease_s)


def test_a_claim_taken_over_meanwhile_is_skipped(stack):
    batch, item_id = _one_item()
    _queue(item_id)
    processing.claim_ahead(item_id)
    assert processing.flush_endings(10)
    with get_engine().begin() as conn:  # its lease expired and another worker took it
        conn.execute(update(item_t).where(item_t.c.id == item_id).values(attempts=2))
    future, since = processing._ahead[item_id]
    processing._ahead[item_id] = (future, since - stack.settings.lease_margin_s)
    assert processing.claim(item_id) is None
    assert (_item(item_id).status, _item(item_id).attempts) == ("running", 2)


def test_a_message_skipped_before_its_actor_hands_its_claim_back(stack):
    batch, item_id = _one_item()
    _queue(item_id)
    processing.claim_ahead(item_id)
    ClaimAhead().after_skip_message(get_broker(), _message(item_id))
    assert _item(item_id).status == "queued"
    assert assert_counters_match_items(batch.id)["queued"] == 1


def test_only_item_messages_name_an_item():
    assert item_of(_message(7)) == 7
    finalize = MessageProxy(dramatiq.Message(queue_name="critical", actor_name="finalize_batch",
                                             args=("b",), kwargs={}, options={}))
    assert item_of(finalize) is None


def test_a_stopping_worker_leaves_nothing_running_and_its_messages_back(stack):
    """Items fetched ahead of a thread are claimed; a worker that stops with such items in
    memory hands them back before their messages go back to Redis, so the next worker
    claims them at once and no attempt is spent."""
    batch = submit_noop(make_user(), 12, sleep_ms=300)
    with stack.worker(threads=1):  # prefetch 2 per lane: one running, one waiting
        wait_until(lambda: load(batch.id).n_done >= 1, timeout=30, message="an item done")
    after = load(batch.id)
    assert after.n_running == 0
    assert processing._ahead == {}
    counters = assert_counters_match_items(batch.id)
    assert counters["queued"] == sum(queue_depths().values())
    assert all(i.attempts == (1 if i.status == "done" else 0) for i in items(batch.id))
    with stack.worker(threads=4):
        done = wait_finished(batch.id)
    assert done.n_done == 12
    assert all(i.attempts == 1 for i in items(batch.id))
