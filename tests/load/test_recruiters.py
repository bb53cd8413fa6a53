"""Load: 20 simulated recruiters submit and watch batches through the API for a minute
while real workers run. No errors, no lost updates, and the database connections stay
within the pools' sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from app.accounts import users
from tests.chaos.fleet import Dyno, SchedulerProcess, free_port
from tests.conftest import REPO, subprocess_env, wait_until
from tests.engine.helpers import assert_counters_match_items

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RECRUITERS = 20
SECONDS = float(os.environ.get("SHORTLIST_LOAD_SECONDS", "60"))


def _call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
        if exc.code == 429:
            body["retry_after"] = int(exc.headers["Retry-After"])
        return exc.code, body


def test_twenty_recruiters_for_a_minute(pg_stack):
    stack = pg_stack(SWEEP_INTERVAL_S=2)
    database = stack.engine.url.database
    port = free_port()
    env = subprocess_env(DATABASE_URL=stack.settings.database_url,
                         REDIS_URL=stack.settings.redis_url, STORAGE_SECRET="s" * 40,
                         PORT=port, HOST="127.0.0.1")
    tokens = []
    for n in range(RECRUITERS):
        user = users.create_user(f"recruiter{n}@example.com", "a-good-password",
                                 plan="premium")
        tokens.append(users.create_token(user.email))
    web = subprocess.Popen([sys.executable, "-m", "ui"], cwd=REPO, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dynos = [Dyno(env, threads=4).start(), Dyno(env, threads=4).start()]
    scheduler = SchedulerProcess(env)
    base = f"http://127.0.0.1:{port}"
    submitted: list[tuple[str, str]] = []
    errors: list[str] = []
    watched = [0]
    peak = [0]
    throttled = [0]
    stop = threading.Event()

    def recruiter(token: str, n: int) -> None:
        while not stop.is_set():
            status, batch = _call("POST", f"{base}/api/v1/batches", token, {
                "opening": {"title": "Warehouse associate",
                            "description": "Forklift, inventory, shipping and receiving"},
                "items": [{"name": f"r{n}-{k}.txt",
                           "text": f"Candidate {k}. Forklift certified, inventory control."}
                          for k in range(5)]})
            if status == 429:  # a well-behaved client waits as told
                throttled[0] += 1
                stop.wait(min(batch["retry_after"], 60))
                continue
            if status != 201:
                errors.append(f"submit {status}: {batch}")
                return
            submitted.append((token, batch["id"]))
            while not stop.is_set():  # watch it as a page would
                status, seen = _call("GET", f"{base}/api/v1/batches/{batch['id']}", token)
                if status != 200:
                    errors.append(f"watch {status}: {seen}")
                    return
                watched[0] += 1
                if seen["status"] in ("done", "failed", "cancelled", "timed_out"):
                    break
                time.sleep(0.5)

    def sample_connections() -> None:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as admin:
            while not stop.is_set():
                count = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                      (database,)).fetchone()[0]
                peak[0] = max(peak[0], count)
                time.sleep(0.2)

    try:
        wait_until(lambda: _healthy(base), timeout=60, interval=0.5, message="the web process")
        threads = [threading.Thread(target=recruiter, args=(t, n)) for n, t in enumerate(tokens)]
        sampler = threading.Thread(target=sample_connections)
        sampler.start()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        sampler.join(timeout=10)
        for token, batch_id in submitted:
            url = f"{base}/api/v1/batches/{batch_id}"
            wait_until(lambda url=url, token=token: _call("GET", url, token)[1]["status"] == "done",
                       timeout=120, interval=0.5, message="the backlog")
    finally:
        stop.set()
        for dyno in dynos:
            dyno.stop()
        scheduler.stop()
        web.terminate()
        web.wait(timeout=30)
    settings = stack.settings
    per_process = settings.db_pool_size + settings.db_max_overflow
    # web + 2 workers + scheduler (its pool and its lock session) + this test process
    budget = per_process * 5 + 1
    print(f"\n{len(submitted)} batches ({5 * len(submitted)} resumes) from {RECRUITERS}"
          f" recruiters in {SECONDS:.0f}s, {watched[0]} status reads, peak {peak[0]}"
          f" database connections (pools allow {budget}), {throttled[0]} submissions"
          f" told to wait (429), errors: {len(errors)}")
    assert errors == []
    assert len(submitted) >= RECRUITERS
    for _, batch_id in submitted:
        counters = assert_counters_match_items(batch_id)
        assert counters["done"] == 5, (batch_id, counters)
    assert peak[0] <= budget


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
