"""Progress events reach a listener; the operator's CLI drives the same service."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.engine import events
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import make_user, submit_noop, wait_finished


def test_events_follow_a_batch_to_its_end(stack):
    listener = events.Listener()
    received: list[dict] = []
    listener.subscribe(received.append)
    listener.start()
    try:
        assert listener.ready.wait(5)
        user = make_user()
        batch = submit_noop(user, 30)
        with stack.worker(threads=4):
            wait_finished(batch.id)
            wait_until(lambda: any(e.get("finalized") for e in received), timeout=20,
                       message="the finalize event")
    finally:
        listener.stop()
    mine = [e for e in received if e.get("batch_id") == str(batch.id)]  # not notifications
    assert mine[0]["status"] == "queued" and mine[0]["counts"]["queued"] == 30
    assert mine[0]["owner_id"] == user.id and mine[0]["total"] == 30
    # Each process sends at most one event per batch per 100 ms (the latest counts win),
    # and workers publish after their own commits, so two events may swap places: each
    # carries absolute counts, and a listener keeps the most advanced one.
    dones = [e["counts"]["done"] for e in mine]
    assert max(dones) == 30
    assert 2 <= len(mine) < 30, "30 items did not cost 30 events"
    last = [e for e in mine if e["status"] == "done"]
    assert last and last[-1]["counts"] == {"pending": 0, "queued": 0, "running": 0,
                                           "done": 30, "failed": 0, "cancelled": 0}
    assert set(mine[-1]) >= {"batch_id", "owner_id", "status", "lane", "total", "counts", "at"}


@pytest.mark.integration
def test_cli_submit_status_cancel_retry_json(pg_stack):
    stack = pg_stack()
    make_user()  # the CLI finds owners by email
    from app.accounts import users

    users.create_user("ops@example.com", "a-good-password", plan="enterprise")
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url)

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    batch_id = cli("submit", "--owner", "ops@example.com", "--kind", "noop", "--items", "150",
                   "--lane", "high").strip()
    status = json.loads(cli("status", batch_id, "--json"))
    assert set(status) == {"id", "status", "lane", "kind", "total", "counters", "item_states"}
    assert (status["id"], status["status"], status["lane"], status["total"]) == (
        batch_id, "queued", "high", 150)
    assert status["counters"] == status["item_states"] == {
        "pending": 50, "queued": 100, "running": 0, "done": 0, "failed": 0, "cancelled": 0}
    cancelled = json.loads(cli("cancel", batch_id, "--json"))
    assert cancelled["status"] == "cancelled" and cancelled["counters"]["cancelled"] == 150
    retried = json.loads(cli("retry", batch_id, "--cancelled", "--json"))
    assert retried["status"] == "queued" and retried["counters"]["queued"] == 100
    with stack.worker(threads=8):
        assert wait_finished(batch_id).n_done == 150
    text = cli("status", batch_id)
    assert text.startswith(f"batch {batch_id} (noop, lane high): done")
    bad = subprocess.run([sys.executable, "-m", "app", "status", "not-a-batch"], cwd=REPO,
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "Error: We could not find that screening.")
