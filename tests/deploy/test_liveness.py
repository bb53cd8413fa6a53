"""The image's HEALTHCHECK (`python -m app.engine.liveness`): each role's own sign of life, fresh
or stale, and what writes it (the worker heartbeat, the scheduler's lock check, web)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from actors.heartbeat import Heartbeat
from app.engine import liveness
from app.engine.leader import Leadership
from app.settings import get_settings, reset_settings
from scheduler.jobs import Job
from scheduler.runner import alive_within_s, run_logged
from tests.chaos.fleet import free_port
from tests.conftest import REPO, subprocess_env, wait_until


@pytest.fixture
def health_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEALTH_DIR", str(tmp_path / "health"))
    reset_settings()
    return tmp_path / "health"


def entries(directory: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in directory.glob("*.json")}


def test_nothing_is_written_without_health_dir(tmp_path):
    assert get_settings().health_dir is None
    liveness.announce("worker", max_age_s=30)
    liveness.reset()
    assert list(tmp_path.rglob("*.json")) == []
    result = subprocess.run([sys.executable, "-m", "app.engine.liveness"], cwd=REPO,
                            env=subprocess_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "HEALTH_DIR is not set" in result.stderr


def test_a_beat_is_fresh_until_its_window_passes_and_a_clean_stop_removes_it(health_dir):
    pid = os.getpid()
    liveness.announce("worker", max_age_s=30)
    assert entries(health_dir) == {f"worker-{pid}.json": {
        "role": "worker", "pid": pid, "max_age_s": 30, "url": None}}
    now = time.time()
    assert liveness.check(health_dir, now=now + 29) == (True, [f"worker (pid {pid}): beat 29s ago"])
    assert liveness.check(health_dir, now=now + 31.4) == (
        False, [f"worker (pid {pid}): last beat 31s ago, over 30s"])
    liveness.withdraw("worker")
    assert liveness.check(health_dir) == (
        False, [f"no process has said it is alive in {health_dir} yet"])


def test_every_process_must_be_alive_and_reset_forgets_an_earlier_run(health_dir):
    liveness.announce("worker", max_age_s=30)
    stale = health_dir / "worker-999999.json"
    stale.write_text(json.dumps({"role": "worker", "pid": 999999, "max_age_s": 30, "url": None}))
    os.utime(stale, (time.time() - 60, time.time() - 60))
    ok, lines = liveness.check(health_dir)
    assert ok is False and "worker (pid 999999): last beat 60s ago, over 30s" in lines
    liveness.reset()
    assert list(health_dir.iterdir()) == []


class Answer(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_web_is_healthy_while_its_own_healthz_answers_200(health_dir, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PORT", str(port))
    reset_settings()
    liveness.announce("web", url=liveness.health_url(get_settings()))
    url = f"http://127.0.0.1:{port}/healthz"
    ok, lines = liveness.check(health_dir)
    assert ok is False and lines[0].startswith(f"web (pid {os.getpid()}): {url} does not answer")
    server = ThreadingHTTPServer(("127.0.0.1", port), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert liveness.check(health_dir) == (True, [f"web (pid {os.getpid()}): {url} answers"])
        Answer.status = 503
        ok, lines = liveness.check(health_dir)
        assert ok is False and "503" in lines[0]
    finally:
        Answer.status = 200
        server.shutdown()
        server.server_close()


def test_the_worker_heartbeat_keeps_its_file_fresh_and_removes_it_on_stop(stack, health_dir):
    stack.broker.add_middleware(Heartbeat(heartbeat_s=0.05, lost_after_s=5))
    path = health_dir / f"worker-{os.getpid()}.json"
    with stack.worker(threads=1):
        wait_until(path.exists, message="the worker's health file")
        assert json.loads(path.read_text())["max_age_s"] == 5
        first = path.stat().st_mtime_ns
        wait_until(lambda: path.stat().st_mtime_ns > first, message="a later beat")
        assert liveness.check(health_dir)[0] is True
    assert not path.exists()


def test_the_scheduler_beats_when_its_lock_check_reaches_the_database(health_dir, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    reset_settings()
    settings = get_settings()
    assert alive_within_s(settings) == 30.0  # three top-ups (10 s), at least 30 s
    job = Job("probe", lambda: {"n": 0}, 1)
    unreachable = Leadership(settings)
    assert run_logged(job, unreachable, alive_within_s=30.0) is False
    assert unreachable.answered is False and entries(health_dir) == {}
    monkeypatch.delenv("DATABASE_URL")
    reset_settings()
    assert run_logged(job, Leadership(get_settings()), alive_within_s=30.0) is True  # SQLite
    assert entries(health_dir) == {f"scheduler-{os.getpid()}.json": {
        "role": "scheduler", "pid": os.getpid(), "max_age_s": 30.0, "url": None}}
