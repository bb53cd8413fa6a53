"""Workers report themselves: running, lost when killed, stopped when stopped cleanly.

The heartbeat middleware's reports, read by app.admin.workers, shown on the workers page and in
/api/v1/workers; and a real `dramatiq actors.worker` process started, SIGKILLed and stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from actors.heartbeat import Heartbeat
from app.admin import workers
from app.settings import LANES
from tests.admin.helpers import text_of, wait_text
from tests.api.conftest import PREFIX, build_app
from tests.chaos.fleet import children
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import make_user, submit_noop, wait_finished
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

HOST = socket.gethostname()


def reports_by_pid() -> dict[int, workers.WorkerInfo]:
    return {w.pid: w for w in workers.read_workers()}


def test_a_worker_reports_itself_and_the_items_it_is_on(stack):
    stack.broker.add_middleware(Heartbeat(heartbeat_s=0.05, lost_after_s=5))
    user = make_user(plan="free")
    batch = submit_noop(user, 2, sleep_ms=1500)
    with stack.worker(threads=2):
        me = wait_until(lambda: (w := reports_by_pid().get(os.getpid())) and len(w.current) == 2
                        and w, message="the worker to report both items")
        assert (me.id, me.host, me.lanes, me.threads, me.state) == (
            f"{HOST}:{os.getpid()}", HOST, LANES, 2, "running")
        assert {c.name for c in me.current} == {"item 0", "item 1"}
        assert {c.batch_id for c in me.current} == {str(batch.id)}
        assert (me.heartbeat_s, me.lost_after_s) == (0.05, 5.0)
        wait_until(lambda: reports_by_pid()[os.getpid()].current == (),
                   message="the items to finish")
    # Stopped cleanly: listed as stopped (never lost), with nothing current.
    me = reports_by_pid()[os.getpid()]
    assert (me.state, me.current, me.alive) == ("stopped", (), False)


def test_the_heartbeat_makes_no_redis_call_per_message(stack, monkeypatch):
    writes = []
    real = workers.write_report
    monkeypatch.setattr(workers, "write_report",
                        lambda *a, **kw: writes.append(kw["state"]) or real(*a, **kw))
    heartbeat = Heartbeat(heartbeat_s=3600, lost_after_s=7200)
    stack.broker.add_middleware(heartbeat)
    user = make_user()
    batch = submit_noop(user, 300)
    with stack.worker(threads=4):
        assert wait_finished(batch.id).n_done == 300
        assert writes == ["running"]  # the report at boot; none per message
    assert writes == ["running", "stopped"] and heartbeat.beats == 2


def test_silent_workers_read_as_lost_and_expired_reports_are_dropped(stack):
    client = stack.broker.client
    now = time.time()
    common = dict(lanes=["critical"], threads=8, started_at=now - 600, current=[],
                  heartbeat_s=5.0, lost_after_s=30.0)
    workers.write_report(client, worker_id="a:1", host="a", pid=1, now=now - 29, **common)
    workers.write_report(client, worker_id="b:2", host="b", pid=2, now=now - 31, **common)
    workers.write_report(client, worker_id="c:3", host="c", pid=3, now=now - 3000,
                         state=workers.STOPPED, **common)
    workers.write_report(client, worker_id="d:4", host="d", pid=4, now=now, **common)
    client.delete(workers.report_key("d:4"))  # its key expired
    listed = workers.read_workers(now=now)
    assert [(w.id, w.state) for w in listed] == [("a:1", "running"), ("b:2", "lost"),
                                                 ("c:3", "stopped")]
    assert client.zrange(workers.index_key(), 0, -1) == [b"c:3", b"b:2", b"a:1"]
    assert listed[1].seen_s_ago == 31.0


def test_the_api_lists_workers_with_their_details(stack):
    stack.broker.add_middleware(Heartbeat(heartbeat_s=0.05, lost_after_s=5))
    admin, recruiter = make_user(role="admin"), make_user()
    from app.accounts import users

    token = users.create_token(admin.email, "tests")
    client = TestClient(build_app())
    with stack.worker(threads=3):
        wait_until(lambda: workers.read_workers(), message="the worker's report")
        body = client.get(f"{PREFIX}/workers",
                          headers={"Authorization": f"Bearer {token}"}).json()
    mine = [w for w in body["data"] if w["source"] == "worker_heartbeat"]
    assert len(mine) == 1
    assert {k: mine[0][k] for k in ("id", "host", "pid", "lanes", "threads", "state",
                                    "alive", "current_items")} == {
        "id": f"{HOST}:{os.getpid()}", "host": HOST, "pid": os.getpid(),
        "lanes": list(LANES), "threads": 3, "state": "running", "alive": True,
        "current_items": []}
    # This process's broker entry is the same process: listed once, with its details.
    assert stack.broker.broker_id not in {w["id"] for w in body["data"]}
    recruiter_token = users.create_token(recruiter.email, "tests")
    refused = client.get(f"{PREFIX}/workers",
                         headers={"Authorization": f"Bearer {recruiter_token}"})
    assert refused.status_code == 403
    client.close()


# --- A real worker process ----------------------------------------------------------------


def _start_worker(web, threads: int) -> tuple[subprocess.Popen, int]:
    env = subprocess_env(DATABASE_URL=web.settings.database_url,
                         REDIS_URL=web.settings.redis_url,
                         WORKER_HEARTBEAT_S=0.5, WORKER_LOST_AFTER_S=3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "actors.worker", "--processes", "1",
         "--threads", str(threads)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    pid = wait_until(lambda: children(proc.pid) and children(proc.pid)[0], timeout=60,
                     message="the worker process to start")
    return proc, pid


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.mark.anyio
@pytest.mark.integration
@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.parametrize("stack_factory", ["postgresql"], indirect=True)
@pytest.mark.parametrize("stack_overrides", [{"DASHBOARD_REFRESH_S": 0.3}])
async def test_a_real_worker_appears_then_shows_as_lost_when_killed(user, web):
    admin = make_account(role="admin")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/workers")
    await user.should_see("No worker has reported itself.")
    proc, pid = _start_worker(web, threads=3)
    try:
        card = f"worker-{HOST}:{pid}"
        await user.should_see(marker=card, retries=300)
        with user.scope(marker=card):
            await user.should_see(f"pid {pid}")
        worker = reports_by_pid()[pid]
        assert (worker.host, worker.lanes, worker.threads, worker.state) == (
            HOST, LANES, 3, "running")
        assert text_of(user, "lanes").startswith(
            "Lanes: critical, high, normal, low · 3 threads · started ")
        assert text_of(user, "state") == "Running"
        assert text_of(user, "workers-summary") == "1 running, 3 threads in all."

        os.kill(pid, signal.SIGKILL)  # as an out-of-memory kill would: no goodbye
        await wait_text(user, "state", "Lost", timeout=30)
        assert reports_by_pid()[pid].state == "lost"
        assert text_of(user, "workers-summary") == "0 running, 0 threads in all; 1 lost."
        proc.wait(timeout=30)  # the dramatiq CLI exits when a child dies
    finally:
        _stop(proc)


@pytest.mark.integration
@pytest.mark.chaos
@pytest.mark.slow
def test_a_real_worker_stopped_cleanly_shows_as_stopped_not_lost(pg_stack):
    web = pg_stack()
    proc, pid = _start_worker(web, threads=2)
    try:
        wait_until(lambda: pid in reports_by_pid(), timeout=60, message="the worker's report")
        os.killpg(proc.pid, signal.SIGTERM)  # a restart or a deploy
        proc.wait(timeout=30)
        assert reports_by_pid()[pid].state == "stopped"
        time.sleep(3.5)  # past its 3 s window: a stopped worker never turns into a lost one
        assert reports_by_pid()[pid].state == "stopped"
    finally:
        _stop(proc)
