"""Find and compare in a real headless Chromium (issue 24, parts 1 and 2): a recruiter
ticks two candidates, opens Compare and sees them side by side; a skill filter narrows the
list. A web process (`python -m ui`, on the test's PostgreSQL and Redis) serves the page;
the resumes go through the worker's own path in this process. Screenshots at 1366 and 390
px are kept in test-artifacts/browser/."""

from __future__ import annotations

import time

import pytest

from app.accounts import users
from app.engine import batches
from app.recruiting import decisions
from tests.analysis import factories
from tests.engine.helpers import items
from tests.security.test_sessions import sign_in
from tests.ui.test_admin_live_browser import queued_ids, web_process  # noqa: F401
from tests.ui.test_browser import browser, chromium, click, set_look, shoot, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

PASSWORD = "a-good-password-to-compare"
OPENING = {"title": "Backend Engineer", "description": "Python, Go, PostgreSQL, Docker.",
           "must_have": ["Python"], "nice_to_have": ["Docker"]}
FILES = {"jane.txt": factories.SOFTWARE_SENIOR, "sam.txt": factories.SOFTWARE_JUNIOR,
         "maria.txt": factories.NURSE}


def test_two_ticked_candidates_are_compared_side_by_side(web_process, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    from app.engine import processing

    owner = users.create_user("compare@example.com", PASSWORD, role="recruiter")
    batch = batches.submit(owner, kind="resume", title="Backend, Berlin", params=OPENING,
                           items=[batches.NewItem(n, t.encode()) for n, t in FILES.items()])
    for item_id in queued_ids(batch.id):
        assert processing.process_item(item_id) == "done"
    sam = next(r for r in items(batch.id) if r.name == "sam.txt")
    decisions.decide(owner, sam.id, status="interview", tags=["remote OK"])
    sign_in(browser, web_process.base, owner.email, PASSWORD)
    browser.set_window_size(1366, 1000)
    browser.get(f"{web_process.base}/screenings/{batch.id}")
    wait_for(lambda: "Shortlist (3)" in browser.find_element(By.TAG_NAME, "body").text,
             what="the shortlist")

    boxes = lambda: browser.find_elements(By.CSS_SELECTOR, ".q-table tbody .q-checkbox")  # noqa: E731

    def tick(k: int) -> bool:
        # The list may redraw under the click (a busy machine): click again until it holds.
        box = boxes()[k]
        if box.get_attribute("aria-checked") != "true":
            browser.execute_script("arguments[0].click()", box)
            time.sleep(0.3)
        return boxes()[k].get_attribute("aria-checked") == "true"

    for k in (0, 1):
        wait_for(lambda k=k: tick(k), what=f"row {k + 1}'s box ticked")
    wait_for(lambda: "Compare the 2 chosen candidates side by side." in browser.find_element(
        By.TAG_NAME, "body").text, what="two chosen")
    button = lambda: next(b for b in browser.find_elements(By.TAG_NAME, "button")  # noqa: E731
                          if b.text.strip().endswith("Compare"))
    wait_for(lambda: button().is_enabled() and button().get_attribute("disabled") is None,
             what="Compare enabled")
    click(button, what="Compare")
    shown = wait_for(lambda: "Must-haves found" in browser.find_element(
        By.CSS_SELECTOR, ".q-dialog").text and browser.find_element(
        By.CSS_SELECTOR, ".q-dialog").text, what="the comparison")
    assert shown.index("Jane Doe") < shown.index("Sam Lee")
    assert "Status: Interview" in shown and "remote OK" in shown and "Maria" not in shown
    assert "Status: New" in shown and "None" not in shown
    # Side by side: the second column starts to the right of the first, on the same line.
    # Both read in one script, once the dialog's opening animation (a zoom) is over: read
    # one by one during it, each came from another frame of the zoom.
    def columns() -> list[dict]:
        return browser.execute_script(
            "return [...document.querySelectorAll('.sl-compare > .q-card')].map(c => {"
            " const r = c.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width}; })")

    def settled() -> list[dict]:
        before = columns()
        time.sleep(0.2)
        after = columns()
        return after if before == after and len(after) == 2 else []

    first, second = wait_for(settled, what="the comparison to stand still")
    assert second["x"] > first["x"] + first["width"] - 1 and abs(second["y"] - first["y"]) < 2
    shoot(browser, "compare-1366")
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, ".q-dialog"),
             what="the comparison to close")

    # A skill narrows the list to those who have it, each keeping their rank.
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "input[aria-label='Skill']")
             .send_keys("python") or True, what="the skill field")
    wait_for(lambda: "maria.txt" not in browser.find_element(
        By.CSS_SELECTOR, ".q-table tbody").text, what="the filtered list")
    body = browser.find_element(By.CSS_SELECTOR, ".q-table tbody").text
    assert "jane.txt" in body and "sam.txt" in body
    shoot(browser, "find-1366")
    set_look(browser, dark=False, phone=True)
    time.sleep(0.5)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(
        By.CSS_SELECTOR, "input[aria-label='Skill']"))
    shoot(browser, "find-390")

    # On a phone the comparison still opens, one column per candidate.
    click(button, what="Compare on a phone")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".sl-compare > .q-card")) == 2,
             what="the comparison on a phone")
    time.sleep(0.5)  # the dialog fades in
    shoot(browser, "compare-390")
