"""One leader among scheduler processes (PostgreSQL advisory lock), and a large purge."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert

from app.db import get_engine
from app.engine import housekeeping
from app.engine.leader import Leadership
from app.models import Batch, Document, Item, utcnow
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import count_rows, make_user

pytestmark = pytest.mark.integration


class Process:
    """A `python -m scheduler` subprocess whose output lines are collected."""

    def __init__(self, env: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=REPO, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def job_runs(self) -> int:
        return sum(" lease_sweep: " in line for line in self.lines)

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)


@pytest.mark.slow
def test_only_one_scheduler_runs_jobs_and_another_takes_over(pg_stack):
    stack = pg_stack()
    # DEBUG: an idle run (nothing to sweep) logs its line at DEBUG only.
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url, SWEEP_INTERVAL_S=1,
                         LOG_LEVEL="DEBUG")
    first = Process(env)
    try:
        wait_until(lambda: first.job_runs() >= 2, timeout=30, message="the first to lead")
        second = Process(env)
        try:
            time.sleep(4)
            assert second.job_runs() == 0, "".join(second.lines)
            assert first.job_runs() >= 4
            first.stop(signal.SIGKILL)  # dies without releasing: its session ends
            killed = time.monotonic()
            wait_until(lambda: second.job_runs() >= 1, timeout=30,
                       message="the second to take over")
            print(f"\nthe second scheduler took over {time.monotonic() - killed:.1f}s after"
                  " the first was killed")
            assert any("now the leader" in line for line in second.lines)
        finally:
            second.stop()
    finally:
        first.stop()


def test_leadership_in_process(pg_stack):
    stack = pg_stack()
    a, b = Leadership(stack.settings), Leadership(stack.settings)
    try:
        assert a.check() is True
        assert b.check() is False
        a.release()
        assert b.check() is True
        assert a.check() is False
    finally:
        a.release()
        b.release()


@pytest.mark.slow
def test_cleanup_of_50000_expired_items_in_chunks(pg_stack):
    pg_stack()
    user = make_user()
    now = utcnow()
    expired = now - timedelta(days=1)
    batch_ids = [uuid.uuid4() for _ in range(5)]
    with get_engine().begin() as conn:
        for batch_id in batch_ids:
            conn.execute(insert(Batch.__table__).values(
                id=batch_id, owner_id=user.id, kind="noop", lane="low", status="done",
                title="old", params={}, total=10_000, n_pending=0, n_queued=0, n_running=0,
                n_done=10_000, n_failed=0, n_cancelled=0, created_at=expired,
                finished_at=expired, expires_at=expired))
            doc_ids = conn.execute(
                insert(Document.__table__).returning(Document.__table__.c.id,
                                                     sort_by_parameter_order=True),
                [{"sha256": "0" * 64, "size": 1, "content": b"x", "created_at": expired,
                  "content_type": "text/plain"} for _ in range(1000)]).scalars().all()
            conn.execute(insert(Item.__table__), [
                {"batch_id": batch_id, "seq": i, "name": f"r{i}", "status": "done",
                 "attempts": 1, "document_id": doc_ids[i] if i < 1000 else None}
                for i in range(10_000)])
    assert count_rows(Item) == 50_000
    started = time.monotonic()
    result = housekeeping.purge_expired()
    print(f"\npurged 50,000 items in {time.monotonic() - started:.2f}s in chunks of"
          f" {housekeeping.DELETE_CHUNK}")
    assert result == {"batches": 5, "items": 50_000, "documents": 5_000}
    assert (count_rows(Item), count_rows(Batch), count_rows(Document)) == (0, 0, 0)
