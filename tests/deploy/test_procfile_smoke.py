"""The real process set, exactly as the Procfile says, run by honcho against the real
PostgreSQL and Redis: release, then web + worker + scheduler; a batch submitted through
the API completes; SIGTERM stops everything cleanly within 10 s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.chaos.fleet import free_port
from tests.conftest import REPO, subprocess_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
HONCHO = str(Path(sys.executable).parent / "honcho")


def _request(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_procfile_process_set(pg_url, real_redis_url, tmp_path):
    port = free_port()
    env = subprocess_env(
        DATABASE_URL=pg_url.replace("postgresql+psycopg://", "postgres://"),
        REDIS_URL=real_redis_url, STORAGE_SECRET="x" * 40, PORT=port,
        WORKER_PROCESSES=1, WORKER_THREADS=4, SWEEP_INTERVAL_S=2)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env["PYTHONUNBUFFERED"] = "1"

    release = subprocess.run([HONCHO, "-f", str(REPO / "Procfile"), "-d", str(REPO), "start",
                              "release"], env=env, capture_output=True, text=True, timeout=120)
    assert release.returncode == 0, release.stdout + release.stderr
    assert "Database is at revision" in release.stdout

    def cli(*args: str, stdin: str = "") -> str:
        result = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env,
                                input=stdin, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("create-user", "smoke@example.com", "--plan", "premium", stdin="a-good-password\n")
    token = cli("create-token", "smoke@example.com").strip()

    log = open(tmp_path / "honcho.log", "w")
    honcho = subprocess.Popen([HONCHO, "-f", str(REPO / "Procfile"), "-d", str(REPO), "start",
                               "web", "worker", "scheduler"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_until(healthy, timeout=60, interval=0.5, message="the web process")
        status, batch = _request("POST", f"{base}/api/v1/batches", token, {
            "kind": "resume",
            "opening": {"title": "Registered Nurse", "description": "ICU nurse",
                        "must_have": ["Patient care"]},
            "items": [{"name": f"r{n}.txt", "text": f"Nurse {n}. Patient care, ICU, BLS."}
                      for n in range(12)],
        })
        assert status == 201, batch
        url = f"{base}/api/v1/batches/{batch['id']}"
        done = wait_until(lambda: _request("GET", url, token)[1]["status"] == "done",
                          timeout=90, interval=0.5, message="the batch to complete")
        assert done
        final = _request("GET", url, token)[1]
        assert final["counts"]["done"] == 12
    finally:
        stopped = time.monotonic()
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
        elapsed = time.monotonic() - stopped
        log.close()
    output = (tmp_path / "honcho.log").read_text()
    print(f"\nall processes stopped {elapsed:.1f}s after SIGTERM")
    assert elapsed < 10, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
