"""`python -m app serve` on a new machine: embedded SQLite and broker, /healthz, the first
admin's password printed once and only on the first start."""

import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.chaos.fleet import free_port
from tests.conftest import REPO, subprocess_env

pytestmark = pytest.mark.slow



def start_serve(cwd, port):
    env = subprocess_env(PORT=port, HOST="127.0.0.1")
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve"], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )


def wait_healthy(port, proc, timeout=60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError("serve did not answer /healthz in time")


def stop(proc) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_serve_embedded_first_and_second_start(tmp_path):
    port = free_port()
    first = start_serve(tmp_path, port)
    try:
        assert wait_healthy(port, first) == 200
    finally:
        out1 = stop(first)
    match = re.search(r"email:\s+(\S+)\s+password:\s+(\S+)", out1)
    assert match, out1
    assert (tmp_path / "data" / "shortlist.db").exists()
    assert (tmp_path / "data" / "storage_secret").stat().st_mode & 0o077 == 0

    second = start_serve(tmp_path, port)
    try:
        assert wait_healthy(port, second) == 200
    finally:
        out2 = stop(second)
    assert "password:" not in out2
    assert match.group(2) not in out2

    # The same data: the admin from the first start signs in with the printed password.
    env_db = f"sqlite:///{tmp_path / 'data' / 'shortlist.db'}"
    check = subprocess.run(
        [sys.executable, "-c",
         "from app.accounts import users; u = users.get_user_by_email(%r);"
         " print(u.role, users.verify_password(u.password_hash, %r))"
         % (match.group(1), match.group(2))],
        cwd=REPO, env=subprocess_env(DATABASE_URL=env_db), capture_output=True, text=True,
    )
    assert check.stdout.strip() == "admin True", check.stderr


def test_the_web_process_refuses_to_start_without_a_storage_secret(tmp_path):
    env = subprocess_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", PORT=free_port())
    result = subprocess.run([sys.executable, "-m", "ui"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: STORAGE_SECRET is not set.")
    assert "Traceback" not in result.stderr
