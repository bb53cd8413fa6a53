"""A share link opened signed out, in a real headless Chromium (issue 24, part 4).

A web process (`python -m ui`, on the test's PostgreSQL and Redis) serves the links; the
resumes go through the worker's own path in this process. The viewer sees the ranked list
and a candidate's explanation and downloads the exact file; a blind link shows "Candidate
1" and no name, e-mail or file; an expired link is one plain page with 404. Screenshots at
1366 and 390 px wide are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest

from app.accounts import users
from app.db import session_scope
from app.engine import batches
from app.models import ShareLink, utcnow
from app.recruiting import sharing
from tests.analysis import factories
from tests.ui.test_admin_live_browser import queued_ids, web_process  # noqa: F401
from tests.ui.test_browser import browser, by_text, chromium, click, shoot, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

OPENING = {"title": "Backend Engineer", "description": "Python, Go, PostgreSQL, Docker.",
           "must_have": ["Python"], "nice_to_have": ["Docker"]}
FILES = {"jane-doe-cv.txt": factories.SOFTWARE_SENIOR, "sam-lee.txt": factories.SOFTWARE_JUNIOR}
GONE = "This link has expired or was withdrawn."


def _screened():
    from app.engine import processing

    owner = users.create_user("owner@example.com", "a-good-password", role="recruiter")
    batch = batches.submit(owner, kind="resume", title="Backend, Berlin", params=OPENING,
                           items=[batches.NewItem(n, t.encode()) for n, t in FILES.items()])
    for item_id in queued_ids(batch.id):
        assert processing.process_item(item_id) == "done"
    return owner, batch


def _phone(driver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})


def test_a_share_link_opened_signed_out(web_process, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    owner, batch = _screened()
    base = web_process.base
    normal = sharing.create_share(owner, batch.id).token
    blind = sharing.create_share(owner, batch.id, blind=True).token
    expired = sharing.create_share(owner, batch.id)
    with session_scope() as session:
        session.get(ShareLink, expired.link.id).expires_at = utcnow() - timedelta(minutes=1)

    # The ranked list, signed out, with nothing leading into the app
    browser.set_window_size(1366, 900)
    browser.get(f"{base}/shared/{normal}")
    wait_for(lambda: by_text(browser, "Shared with you, read-only"), what="the shared page")
    assert browser.current_url == f"{base}/shared/{normal}"  # not sent to sign in
    body = browser.find_element(By.TAG_NAME, "body").text
    assert body.index("Jane Doe") < body.index("Sam Lee")
    assert "Backend, Berlin" in body and "Must-haves found:" in body
    for word in ("My screenings", "New screening", "Candidates\n", "Sign out", "Download CSV"):
        assert word not in body
    hrefs = {a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}
    assert hrefs <= {None, ""}, hrefs
    shoot(browser, "shared-link-1366")

    # A candidate's explanation, and their exact file
    click(lambda: browser.find_element(By.CSS_SELECTOR, "button[aria-label='Details of Jane Doe']"),
          what="Jane Doe's details")
    # Selenium reads only visible text: wait out the dialog's opening animation
    detail = wait_for(lambda: "Must-have skills found" in browser.find_element(
        By.CSS_SELECTOR, ".q-dialog").text and browser.find_element(
        By.CSS_SELECTOR, ".q-dialog").text, what="the explanation")
    assert "Score 100" in detail and "Email: jane.doe@example.com" in detail
    link = by_text(browser, "Download resume", "a").get_attribute("href")
    assert link.startswith(f"{base}/shared/{normal}/resumes/")
    answer = httpx.get(link)
    assert (answer.status_code, answer.content) == (200, factories.SOFTWARE_SENIOR.encode())
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-robots-tag"] == "noindex"
    shoot(browser, "shared-link-detail-1366")

    # Blind: numbered, no name, e-mail or file
    browser.get(f"{base}/shared/{blind}")
    wait_for(lambda: by_text(browser, "Candidate 2"), what="the blind list")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert body.index("Candidate 1") < body.index("Candidate 2")
    assert "Names and contact details are hidden." in body
    click(lambda: browser.find_element(By.CSS_SELECTOR,
                                       "button[aria-label='Details of Candidate 1']"),
          what="Candidate 1's details")
    wait_for(lambda: "Candidate 1\nScore 100" in browser.find_element(
        By.CSS_SELECTOR, ".q-dialog").text, what="the blind explanation")
    page = browser.page_source
    for secret in ("Jane", "Doe", "jane.doe@example.com", "jane-doe-cv", "Sam Lee",
                   "Download resume", "/resumes/"):
        assert secret not in page, secret
    shoot(browser, "shared-link-blind-1366")
    _phone(browser)
    browser.get(f"{base}/shared/{blind}")
    wait_for(lambda: by_text(browser, "Candidate 2"), what="the blind list on a phone")
    time.sleep(0.5)
    shoot(browser, "shared-link-blind-390")
    browser.get(f"{base}/shared/{normal}")
    wait_for(lambda: by_text(browser, "Sam Lee"), what="the list on a phone")
    time.sleep(0.5)
    shoot(browser, "shared-link-390")

    # Expired: one plain page, 404
    browser.get(f"{base}/shared/{expired.token}")
    wait_for(lambda: GONE in browser.find_element(By.TAG_NAME, "body").text, what="the gone page")
    assert browser.find_element(By.TAG_NAME, "body").text.strip() == GONE
    answer = httpx.get(f"{base}/shared/{expired.token}")
    assert (answer.status_code, answer.headers["x-robots-tag"]) == (404, "noindex")
    assert httpx.get(f"{base}/shared/{blind}/resumes/1").status_code == 404
    assert [s.views for s in sharing.list_shares(owner, batch.id)] == [0, 2, 2]
