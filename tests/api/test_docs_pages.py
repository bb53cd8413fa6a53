"""Swagger UI and ReDoc come from this server, never a CDN (issue 28: `/api/v1/docs` was
blank where the browser could not reach jsdelivr).

The HTML of both pages names only paths of this server, each answers 200 with its type;
in a real headless Chromium that can resolve no other host, Swagger UI draws one block per
operation and ReDoc one section per operation, and neither page asks another host for
anything (ReDoc's maker's logo, from their CDN, is refused by the page's policy).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.api.conftest import PREFIX
from tests.ui.test_browser import CHROMIUM, chromium, served, wait_for  # noqa: F401

REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")
EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png",
                  ".json": "application/json"}


def references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCE.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_files_of_this_server(api, page):
    response = api.client.get(PREFIX + page)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    # No other origin anywhere in the page: not in a script, a style, a font or a comment.
    assert "http://" not in html and "https://" not in html and "//" + "cdn" not in html
    found = references(html)
    expected = {"/docs": {f"{PREFIX}/static-docs/swagger-ui.css",
                          f"{PREFIX}/static-docs/favicon.png",
                          f"{PREFIX}/static-docs/swagger-ui-bundle.js",
                          f"{PREFIX}/openapi.json"},
                "/redoc": {f"{PREFIX}/static-docs/favicon.png",
                           f"{PREFIX}/static-docs/redoc.standalone.js",
                           f"{PREFIX}/openapi.json"}}[page]
    assert set(found) == expected
    # ReDoc's bundle would show its maker's logo from their CDN: the page's policy refuses it.
    assert "img-src 'self' data:;" in response.headers.get_list("content-security-policy")[-1]
    for path in found:
        asset = api.client.get(path)
        assert asset.status_code == 200, path
        kind = EXPECTED_TYPES[Path(path).suffix]
        assert asset.headers["content-type"].split(";")[0] == kind, path
        assert len(asset.content) > 1000, path


def test_the_static_docs_folder_serves_nothing_else(api):
    assert api.client.get(f"{PREFIX}/static-docs/missing.js").status_code == 404
    assert api.client.get(f"{PREFIX}/static-docs/../docs.py").status_code == 404
    assert api.client.get(f"{PREFIX}/static-docs/%2e%2e/core.py").status_code == 404


def test_swagger_ui_does_not_send_the_document_to_an_outside_validator(api):
    html = api.client.get(PREFIX + "/docs").text
    assert '"validatorUrl": null' in html


# --- In a real browser that can reach no other host ------------------------------------


@pytest.fixture
def offline_browser(chromium):  # noqa: F811
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    # Every host name but this machine's resolves to nothing: a CDN cannot be reached.
    for argument in ("headless=new", "no-sandbox", "disable-dev-shm-usage",
                     "window-size=1366,900",
                     "host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def operations(base: str) -> int:
    import httpx

    spec = httpx.get(f"{base}{PREFIX}/openapi.json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in spec["paths"].values() for method in item if method in methods)


def outside_requests(driver, base: str) -> list[str]:
    """Requests to another origin that the page's policy did not stop before they left."""
    import json

    sent, refused = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason") == "csp":
            refused.add(params["requestId"])
    return [url for rid, url in sent.items() if rid not in refused
            and not url.startswith((base + "/", "data:", "blob:"))]


def test_swagger_ui_and_redoc_render_with_no_other_host_reachable(served, offline_browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    driver, base = offline_browser, served.base
    expected = operations(base)
    assert expected >= 20
    # The browser really cannot reach another host.
    outside = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css')"
        ".then(() => done('reached'), () => done('unreachable'));")
    assert outside == "unreachable"
    driver.get_log("performance")  # that probe is not the pages' doing

    driver.get(f"{base}{PREFIX}/docs")
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".opblock")) == expected,
             what=f"{expected} operations in Swagger UI")
    assert driver.find_element(By.CSS_SELECTOR, ".info .title").text.startswith("Shortlist API")
    assert outside_requests(driver, base) == []

    driver.get(f"{base}{PREFIX}/redoc")
    wait_for(lambda: len(driver.find_elements(
        By.CSS_SELECTOR, "[data-section-id^='operation/']")) == expected,
        what=f"{expected} operations in ReDoc")
    assert "Shortlist API" in driver.find_element(By.TAG_NAME, "h1").text
    assert outside_requests(driver, base) == []
