"""The batch service's rules: validation, permissions, cancel, retry, move, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import get_engine
from app.engine import batches, processing
from app.engine.batches import NewItem
from app.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    TooLarge,
)
from app.models import AuditEvent, Batch, Document, Item
from tests.engine.helpers import (
    assert_counters_match_items,
    count_rows,
    items,
    load,
    make_user,
    submit_noop,
    wait_finished,
)


def _nothing_written():
    assert (count_rows(Batch), count_rows(Item), count_rows(Document)) == (0, 0, 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(kind="noop", operator=True, items=[]), InvalidInput,
         "This screening has no files. Add at least one resume."),
        (dict(kind="noop", operator=True, items=[NewItem("a")], lane="urgent"), InvalidInput,
         "Unknown lane 'urgent': use one of critical, high, normal, low."),
        (dict(kind="nope", items=[NewItem("a")]), InvalidInput, "Unknown kind of batch 'nope'"),
        (dict(kind="noop", operator=True, items=[NewItem(str(i)) for i in range(51)]),
         QuotaExceeded,
         "Your plan allows up to 50 resumes per screening; this one has 51."),
        (dict(kind="noop", operator=True, items=[NewItem("a"), NewItem("big.pdf", b"x" * 2048)]),
         TooLarge,
         "big.pdf is larger than the"),
        (dict(kind="noop", operator=True, items=[NewItem("a")], params={"fail_rate": 2}),
         InvalidInput,
         "fail_rate must be between 0 and 1."),
        (dict(kind="noop", operator=True, items=[NewItem("a")], lane="critical"),
         PermissionDenied,
         "Your plan uses the low lane; critical is not included."),
        # noop is an operator's kind: a recruiter cannot submit it through the API or UI.
        (dict(kind="noop", items=[NewItem("a")]), PermissionDenied,
         "Batches of kind noop are for admins only."),
        (dict(kind="noop", operator=True, items=[NewItem("a")], params={"crash_seqs": [0]}),
         InvalidInput, "Unknown parameter 'crash_seqs' for the noop kind."),
        (dict(kind="noop", operator=True, items=[NewItem("a")], params={"sleep_ms": 600_000}),
         InvalidInput, "sleep_ms must be between 0 and 60000."),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_written(stack_factory, kwargs, error,
                                                            message):
    stack_factory(MAX_FILE_BYTES=1024)
    user = make_user(plan="free")
    with pytest.raises(error) as info:
        batches.submit(user, **kwargs)
    assert message in info.value.message
    _nothing_written()


def test_submit_writes_batch_items_and_documents(stack):
    user = make_user(plan="basic")
    batch = batches.submit(user, kind="noop", operator=True, title="Night shift",
                           items=[NewItem("../../etc/a\x00b.txt", b"hello"), NewItem("b", b"")],
                           params={"sleep_ms": 5})
    assert (batch.lane, batch.title, batch.total, batch.kind) == ("normal", "Night shift", 2, "noop")
    assert batch.params == {"sleep_ms": 5, "fail_rate": 0.0, "transient_rate": 0.0}
    rows = items(batch.id)
    assert [r.name for r in rows] == ["ab.txt", "b"]
    assert count_rows(Document) == 2
    assert_counters_match_items(batch.id)


def test_idempotency_key_returns_the_same_batch(stack):
    user = make_user()
    first = batches.submit(user, kind="noop", operator=True, items=[NewItem("a")], idempotency_key="k-1")
    again = batches.submit(user, kind="noop", operator=True, items=[NewItem("a"), NewItem("b")],
                           idempotency_key="k-1")
    assert again.id == first.id and count_rows(Batch) == 1 and count_rows(Item) == 1


def test_recruiters_cannot_touch_each_others_batches(stack):
    owner, other = make_user(), make_user()
    batch = submit_noop(owner, 3, dispatch=False)
    before = batches.status(batch.id)
    for action in (lambda: batches.get_batch(other, batch.id),
                   lambda: batches.cancel(other, batch.id),
                   lambda: batches.retry(other, batch.id)):
        with pytest.raises(NotFound, match="We could not find that screening."):
            action()
    with pytest.raises(PermissionDenied, match="Only an admin can move"):
        batches.move(other, batch.id, "low")
    with pytest.raises(PermissionDenied, match="Only an admin can move"):
        batches.move(owner, batch.id, "low")
    with pytest.raises(NotFound):
        batches.retry_item(other, items(batch.id)[0].id)
    assert batches.status(batch.id) == before
    assert count_rows(AuditEvent) == 0


def test_read_only_admin_reads_everything_and_changes_nothing(stack):
    owner, viewer = make_user(), make_user(role="readonly_admin")
    batch = submit_noop(owner, 2, dispatch=False)
    assert batches.get_batch(viewer, batch.id).id == batch.id
    with pytest.raises(PermissionDenied, match="view everything but change nothing"):
        batches.cancel(viewer, batch.id)
    with pytest.raises(PermissionDenied):
        batches.submit(viewer, kind="noop", operator=True, items=[NewItem("a")])
    assert load(batch.id).status == "queued"


def test_admin_actions_are_audited(stack):
    owner, admin = make_user(), make_user(role="admin")
    batch = submit_noop(owner, 4, dispatch=False)
    batches.move(admin, batch.id, "high")
    batches.cancel(admin, batch.id)
    with get_engine().connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.__table__.c.id)
                            ).mappings().all()
    assert [(r["action"], r["actor_id"], r["batch_id"]) for r in rows] == [
        ("move", admin.id, batch.id), ("cancel", admin.id, batch.id)]
    assert rows[0]["details"]["lane_to"] == "high"
    assert rows[1]["details"]["cancelled"] == 4


def test_cancel_a_batch_that_has_not_started(stack):
    user = make_user()
    batch = submit_noop(user, 150)
    cancelled = batches.cancel(user, batch.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert assert_counters_match_items(batch.id)["cancelled"] == 150
    with pytest.raises(Conflict, match="already finished; there is nothing to cancel"):
        batches.cancel(user, batch.id)
    # Its messages are still in the broker: each finds its item cancelled and is skipped.
    assert processing.process_item(items(batch.id)[0].id) == "skipped"


def test_cancel_waits_for_running_items(stack):
    user = make_user()
    batch = submit_noop(user, 3, dispatch=False)
    batches.dispatch_batch(batch.id)
    first = items(batch.id)[0]
    from datetime import timedelta

    from app.engine import counters, transitions
    from app.models import ItemStatus, utcnow

    with get_engine().begin() as conn:  # as if a worker had claimed the first item
        claimed, _ = transitions.claim(conn, first.id, "w", utcnow(), timedelta(minutes=1), 3)
        counters.move_counters(conn, batch.id, {ItemStatus.queued: -1,
                                                   ItemStatus.running: 1}, utcnow())
    assert batches.cancel(user, batch.id).status == "cancelling"
    with pytest.raises(Conflict, match="already being cancelled"):
        batches.cancel(user, batch.id)
    outcome = processing.Outcome(ItemStatus.done, result={"ok": True})
    processing.after_persist(processing.persist_outcome(first.id, claimed.attempts, outcome))
    final = load(batch.id)
    assert final.status == "cancelled"
    assert assert_counters_match_items(batch.id) == {
        "pending": 0, "queued": 0, "running": 0, "done": 1, "failed": 0, "cancelled": 2}


def test_retry_failed_items_and_one_item(stack):
    user = make_user()
    batch = submit_noop(user, 20, fail_rate=0.3)
    with stack.worker(threads=4):
        first = wait_finished(batch.id)
        failed = first.n_failed
        assert failed > 0
        assert batches.retry(user, batch.id) == failed
        again = wait_finished(batch.id)
    # The same items fail again (their fate is fixed), with fresh attempts.
    assert (again.status, again.n_failed, again.n_done) == ("done", failed, 20 - failed)
    assert all(i.attempts == 1 for i in items(batch.id))
    assert_counters_match_items(batch.id)
    one = next(i for i in items(batch.id) if i.status == "failed")
    assert batches.retry_item(user, one.id) == 1
    assert load(batch.id).n_pending + load(batch.id).n_queued == 1
    with pytest.raises(Conflict, match="Only a file that failed or was cancelled"):
        batches.retry_item(user, next(i for i in items(batch.id) if i.status == "done").id)


def test_retry_with_nothing_failed_is_refused(stack):
    user = make_user()
    batch = submit_noop(user, 2)
    with stack.worker(threads=2):
        wait_finished(batch.id)
    with pytest.raises(Conflict, match="There is nothing to retry in this screening."):
        batches.retry(user, batch.id)


def test_retry_cancelled_items_when_asked(stack):
    user = make_user()
    batch = submit_noop(user, 5)
    batches.cancel(user, batch.id)
    with pytest.raises(Conflict):
        batches.retry(user, batch.id)
    assert batches.retry(user, batch.id, include_cancelled=True) == 5
    with stack.worker(threads=2):
        done = wait_finished(batch.id)
    assert (done.status, done.n_done) == ("done", 5)


def test_move_sends_later_dispatches_to_the_new_lane(stack_factory):
    stack = stack_factory(DISPATCH_WINDOW=2)
    user, admin = make_user(plan="free"), make_user(role="admin")
    seen: list[str] = []
    import dramatiq

    class Spy(dramatiq.Middleware):
        def before_process_message(self, broker, message):
            if message.actor_name.startswith("process_item"):
                seen.append(message.queue_name)

    stack.broker.add_middleware(Spy())
    batch = submit_noop(user, 6)
    assert batch.lane == "low"
    batches.move(admin, batch.id, "critical")
    with stack.worker(threads=1):
        wait_finished(batch.id)
    # The two messages sent before the move stay in `low`; the four released after it go
    # to `critical` (and, being higher priority, may overtake the second `low` one).
    assert sorted(seen) == ["critical"] * 4 + ["low"] * 2 and seen[0] == "low"
    with pytest.raises(InvalidInput, match="Unknown lane"):
        batches.move(admin, batch.id, "fast")
