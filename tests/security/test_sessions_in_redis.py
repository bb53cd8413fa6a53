"""With REDIS_URL, web sessions live in Redis: a restarted web process keeps people signed in
(issue 28: a container without a volume signed everyone out on every restart).

The web process runs as the Procfile runs it (`python -m ui`, on the test's PostgreSQL and
Redis); a headless Chromium signs in through the form; the process is stopped and another
started on a fresh, empty DATA_DIR (a new container, no volume): the same browser is still
signed in, and nothing was written to either data folder.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.accounts import users
from app.redis_client import key, shared_client
from app.settings import get_settings
from tests.chaos.fleet import free_port
from tests.conftest import subprocess_env
from tests.security.test_sessions import session_id, sign_in, sign_out
from tests.test_serve import wait_healthy
from tests.ui.test_browser import browser, by_text, chromium, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a-good-password"


class WebProcess:
    """`python -m ui` on one port; started again with another DATA_DIR by `restart`."""

    def __init__(self, stack, tmp_path: Path) -> None:
        self.stack, self.tmp_path, self.port = stack, tmp_path, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> Path:
        self.runs += 1
        data = self.tmp_path / f"data-{self.runs}"
        env = subprocess_env(DATABASE_URL=self.stack.settings.database_url,
                             REDIS_URL=self.stack.settings.redis_url, STORAGE_SECRET="s" * 40,
                             PORT=self.port, HOST="127.0.0.1", DATA_DIR=data)
        self.log = self.tmp_path / f"web-{self.runs}.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "ui"], cwd=self.tmp_path,
                                         env=env, stdout=out, stderr=subprocess.STDOUT)
        assert wait_healthy(self.port, self.proc) == 200, self.log.read_text()
        return data

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def web(pg_stack, tmp_path: Path, chromium) -> Iterator[WebProcess]:  # noqa: F811
    process = WebProcess(pg_stack(), tmp_path)
    try:
        yield process
    finally:
        process.stop()


def stored_session(cookie: str) -> bytes | None:
    return shared_client().get(key("web", f"user-{session_id(cookie)}"))


def test_a_restarted_web_process_keeps_people_signed_in(web, browser, tmp_path):  # noqa: F811
    driver = browser
    email = f"recruiter-{uuid.uuid4().hex[:8]}@example.com"
    user = users.create_user(email, PASSWORD, role="recruiter", plan="premium")
    first_data = web.start()

    # Given a recruiter signed in through the form
    sign_in(driver, web.base, email, PASSWORD)
    cookie = driver.get_cookie("session")["value"]
    # Their session is in Redis, under the deployment's namespace, and ends with the cookie
    stored = wait_for(lambda: stored_session(cookie), what="the session in Redis")
    assert f'"user_id":{user.id}' in stored.decode().replace(" ", "")
    ttl = shared_client().ttl(key("web", f"user-{session_id(cookie)}"))
    assert get_settings().session_max_age_s - 60 < ttl <= get_settings().session_max_age_s

    # When the web process restarts with an empty data folder (a new container)
    web.stop()
    second_data = web.start()
    # Then the same browser is still signed in
    driver.get(web.base + "/")
    wait_for(lambda: by_text(driver, "My screenings"), what="the signed-in home page")
    assert "/signin" not in driver.current_url
    assert driver.get_cookie("session")["value"] == cookie
    # And no session was written to a data folder nor to the working directory
    for folder in (first_data, second_data):
        assert not (folder / "web-sessions").exists()
    assert not (tmp_path / ".nicegui").exists()

    # Signing out removes the session from Redis
    sign_out(driver)
    wait_for(lambda: stored_session(cookie) is None, what="the session removed from Redis")
    driver.get(web.base + "/")
    wait_for(lambda: "/signin" in driver.current_url, what="the sign-in page")
