"""The web process warns at start when the session cookie may travel over plain HTTP
(issue 19, audit finding 5): production mode (a real DATABASE_URL) without
SESSION_HTTPS_ONLY."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.chaos.fleet import free_port
from tests.conftest import subprocess_env
from tests.test_serve import stop, wait_healthy

pytestmark = pytest.mark.slow

WARNING = "SESSION_HTTPS_ONLY is not set: the session cookie is also sent over plain HTTP"


def start_output(tmp_path, **settings) -> str:
    port = free_port()
    env = subprocess_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", PORT=port,
                         HOST="127.0.0.1", STORAGE_SECRET="a-long-random-test-secret",
                         **settings)
    proc = subprocess.Popen([sys.executable, "-m", "ui"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_healthy(port, proc) == 200
    finally:
        out = stop(proc)
    return out


def test_production_without_https_only_cookies_warns_at_start(tmp_path):
    out = start_output(tmp_path)
    assert WARNING in out
    assert out.count(WARNING) == 1


def test_no_warning_when_the_cookie_is_https_only(tmp_path):
    assert WARNING not in start_output(tmp_path, SESSION_HTTPS_ONLY="true")
