"""Sessions, origins and framing against a real `python -m app serve` (issue 19, audit
findings 5 and 13): a headless Chromium signs in and out through the form, as a person
does, and a second HTTP client plays the attacker holding a copy of the session cookie.

Needs /usr/bin/chromium and chromedriver, like tests/ui/test_browser.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import subprocess_env
from tests.test_serve import wait_healthy
from tests.ui.test_browser import Served, browser, by_text, chromium, click, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIL = "http://evil.example"


@pytest.fixture
def served(tmp_path: Path, chromium) -> Iterator[Served]:  # noqa: F811
    server = Served(tmp_path)
    server.cwd = tmp_path
    try:
        assert wait_healthy(server.port, server.proc) == 200
        yield server
    finally:
        server.stop()


def create_recruiter(served: Served, email: str, password: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "create-user", email, "--role", "recruiter"],
        cwd=served.cwd, env=subprocess_env(), input=password + "\n", capture_output=True,
        text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def session_id(cookie: str) -> str:
    """The session id inside Starlette's signed cookie (base64 JSON, then the signature)."""
    payload = cookie.split(".", 1)[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["id"]


def reads_home(base: str, cookie: str) -> int:
    """What a client holding only this cookie gets for the home page (200: signed in)."""
    response = httpx.get(base + "/", cookies={"session": cookie}, follow_redirects=False)
    return response.status_code


def sign_in(driver, base: str, email: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/signin")
    wait_for(lambda: by_text(driver, "Sign in to Shortlist"), what="the sign-in form")
    driver.find_element(By.CSS_SELECTOR, "input[type=email]").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password)
    by_text(driver, "Sign in", "button").click()
    wait_for(lambda: by_text(driver, "My screenings"), what="the home page")


def sign_out(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "button[aria-label=Account]").click()
    click(lambda: by_text(driver, "Sign out"), what="the account menu")
    wait_for(lambda: by_text(driver, "Sign in to Shortlist"), what="the sign-in page")


def test_a_planted_or_copied_session_cookie_reads_nothing(served, browser):  # noqa: F811
    driver = browser
    base = served.base
    # (Not serve's first admin: their one-time password must be changed before any page.)
    admin_email, admin_password = "victim@example.com", "victim-person-password"
    create_recruiter(served, admin_email, admin_password)
    create_recruiter(served, "next@example.com", "next-person-password")

    # Given an attacker's own session cookie, planted in the victim's browser
    planted = httpx.get(base + "/signin").cookies["session"]
    driver.get(base + "/healthz")
    driver.add_cookie({"name": "session", "value": planted, "path": "/"})
    # When the victim signs in
    sign_in(driver, base, admin_email, admin_password)
    signed_in = driver.get_cookie("session")["value"]
    # Then the browser has a new session id, and the planted cookie reads nothing
    assert session_id(signed_in) != session_id(planted)
    assert reads_home(base, planted) == 303
    assert reads_home(base, signed_in) == 200  # (the copy is a working session cookie)

    # Given a copy of the signed-in cookie; when the victim signs out
    sign_out(driver)
    signed_out = driver.get_cookie("session")["value"]
    assert session_id(signed_out) not in (session_id(signed_in), session_id(planted))
    # Then the copy reads nothing, also once the next person signs in on that browser
    assert reads_home(base, signed_in) == 303
    sign_in(driver, base, "next@example.com", "next-person-password")
    assert session_id(driver.get_cookie("session")["value"]) != session_id(signed_in)
    assert reads_home(base, signed_in) == 303
    assert reads_home(base, planted) == 303
    assert reads_home(base, driver.get_cookie("session")["value"]) == 200


def test_other_origins_are_refused_and_pages_cannot_be_framed(served, browser):  # noqa: F811
    base = served.base
    own = base  # http://127.0.0.1:<port>
    polling = base + "/_nicegui_ws/socket.io/?EIO=4&transport=polling"
    with httpx.Client() as client:
        # Every page and route forbids framing
        for path in ("/signin", "/healthz", "/_nicegui/no-such-file"):
            response = client.get(base + path)
            assert response.headers["x-frame-options"] == "DENY", path
            assert "frame-ancestors 'none'" in response.headers.get_list(
                "content-security-policy"), path
        # The socket: another site's page is refused, without CORS credentials
        evil = client.get(polling, headers={"Origin": EVIL})
        assert evil.status_code == 403
        assert "access-control-allow-credentials" not in evil.headers
        assert "access-control-allow-origin" not in evil.headers
        # The site's own page gets its socket, and CORS names only its own origin
        mine = client.get(polling, headers={"Origin": own})
        assert mine.status_code == 200, mine.text
        assert mine.headers["access-control-allow-origin"] == own
        # Uploads and other state-changing requests from another site are refused
        upload = client.post(base + "/_nicegui/client/x/upload/1", headers={"Origin": EVIL},
                             files={"f": ("a.txt", b"hello")})
        assert upload.status_code == 403
        assert "access-control-allow-credentials" not in upload.headers
        assert client.post(base + "/signin", headers={"Origin": EVIL}).status_code == 403

    # The socket's websocket transport, opened from another site, is closed before it opens
    import websockets

    async def websocket_status(origin: str) -> str:
        url = base.replace("http://", "ws://") + "/_nicegui_ws/socket.io/?EIO=4&transport=websocket"
        try:
            async with websockets.connect(url, origin=origin, open_timeout=10):
                return "open"
        except websockets.InvalidStatus as exc:
            return str(exc.response.status_code)

    assert asyncio.run(websocket_status(EVIL)) == "403"
    assert asyncio.run(websocket_status(own)) == "open"
