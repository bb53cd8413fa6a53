"""Claim an item when a worker fetches its message, not when a thread takes it.

The consumer tells app.engine.processing.claim_ahead of every item message it fetches (not of
delayed retries, which wait for their time first); the thread that takes the message
finds the claim done or in flight. An item claimed ahead whose message is not processed
is handed back, claimable at once with its attempt refunded: before a stopping worker
puts the message back in Redis (so the next worker's claim finds it queued), and when a
middleware skipped or failed the message before the actor ran. A worker killed outright
leaves them running under their leases, like the items it was processing.
"""

from __future__ import annotations

from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from app.engine import processing
from app.engine.broker import LaneBroker
from app.engine.dispatch import ITEM_ACTOR_PREFIX


def item_of(message: MessageProxy) -> int | None:
    """The item an item message is for; None for any other message."""
    if not message.actor_name.startswith(ITEM_ACTOR_PREFIX) or not message.args:
        return None
    return message.args[0]


def _fetched(message: MessageProxy) -> None:
    item_id = item_of(message)
    if item_id is not None and "eta" not in message.options:
        processing.claim_ahead(item_id)


def _requeued(messages: list[MessageProxy]) -> None:
    processing.release_unstarted(i for i in map(item_of, messages) if i is not None)


class ClaimAhead(Middleware):
    """Hands back the claim of a message that reached no actor (the actor takes its
    claim first thing, so one still held after processing was never started)."""

    def after_skip_message(self, broker, message) -> None:
        self._release(message)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self._release(message)

    @staticmethod
    def _release(message: MessageProxy) -> None:
        item_id = item_of(message)
        if item_id is not None:
            processing.release_unstarted([item_id])


def install(broker) -> None:
    if not isinstance(broker, LaneBroker):
        return  # another broker (a test's stub): claims are made by the threads
    broker.on_fetch = _fetched
    broker.on_requeue = _requeued
    if not any(isinstance(m, ClaimAhead) for m in broker.middleware):
        broker.add_middleware(ClaimAhead())
