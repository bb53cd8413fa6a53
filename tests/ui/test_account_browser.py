"""Account self-service in a real headless Chromium (issue 24, part 6): a person an admin
made signs in with the one-time password, must choose their own before any other page,
then creates an API token on their account page, uses it, and revokes it. A web process
(`python -m ui`, on the test's PostgreSQL and Redis) serves the pages; the token is used
against that process's API. Screenshots at 1366 and 390 px are kept in
test-artifacts/browser/."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from app.accounts import users
from tests.ui.test_admin_live_browser import web_process  # noqa: F401
from tests.ui.test_browser import browser, by_text, chromium, click, set_look, shoot, visible_text, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

GIVEN = "a-one-time-password-from-the-admin"
CHOSEN = "my-own-password-for-shortlist"


def me_status(base: str, token: str) -> tuple[int, bytes]:
    """GET /api/v1/me with the token: (status, body)."""
    request = urllib.request.Request(base + "/api/v1/me",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_a_new_person_chooses_a_password_then_makes_uses_and_revokes_a_token(
        web_process, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    base = web_process.base
    person = users.create_user("new.recruiter@example.com", GIVEN, role="recruiter",
                               one_time=True)
    browser.set_window_size(1366, 1000)
    browser.get(base + "/signin")
    wait_for(lambda: by_text(browser, "Sign in to Shortlist"), what="the sign-in form")
    browser.find_element(By.CSS_SELECTOR, "input[type=email]").send_keys(person.email)
    browser.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(GIVEN)
    by_text(browser, "Sign in", "button").click()

    # The one-time password leads to the account page, and nowhere else
    wait_for(lambda: "Choose your own password to go on." in visible_text(browser),
             what="the forced change")
    shoot(browser, "account-must-change-1366")
    browser.get(base + "/new")
    wait_for(lambda: "Choose your own password to go on." in visible_text(browser),
             what="the forced change again, instead of New screening")
    fields = lambda: browser.find_elements(By.CSS_SELECTOR, "input[type=password]")  # noqa: E731
    wait_for(lambda: len(fields()) == 3, what="the three password fields")
    for field, text in zip(fields(), (GIVEN, CHOSEN, CHOSEN)):
        field.send_keys(text)
    click(lambda: by_text(browser, "Change password", "button"), what="Change password")
    # ... then to the page they were headed for
    wait_for(lambda: browser.current_url == base + "/new"
             and "Start screening" in visible_text(browser), what="New screening")
    assert "Choose your own password" not in visible_text(browser)
    stored = users.get_user_by_email(person.email)
    assert users.verify_password(stored.password_hash, CHOSEN)
    assert stored.must_change_password is False

    # An API token: created, shown once, used, revoked
    browser.get(base + "/account")
    wait_for(lambda: "You have no API tokens." in visible_text(browser), what="no tokens yet")
    name = browser.find_element(By.XPATH, "//input[@aria-label='Name (what it is for)']")
    name.send_keys("Nightly import")
    click(lambda: by_text(browser, "Create token", "button"), what="Create token")
    shown = wait_for(lambda: browser.find_element(
        By.XPATH, "//*[contains(@style, 'monospace')]").text
        if "Your new token \u201cNightly import\u201d" in visible_text(browser) else None,
        what="the new token")
    # The password card's warning now counts it (said before anyone changes the password)
    wait_for(lambda: "It also revokes your 1 API token" in visible_text(browser),
             what="the warning to count the token")
    shoot(browser, "account-token-1366")
    status, body = me_status(base, shown)
    assert status == 200 and f'"email":"{person.email}"' in body.decode()
    click(lambda: by_text(browser, "Done", "button"), what="Done")
    wait_for(lambda: shown not in browser.page_source, what="the token to leave the page")
    set_look(browser, dark=False, phone=True)
    shoot(browser, "account-tokens-390")

    click(lambda: browser.find_element(
        By.CSS_SELECTOR, "button[aria-label='Revoke Nightly import']"), what="Revoke")
    wait_for(lambda: "Revoke the token \u201cNightly import\u201d?" in visible_text(browser),
             what="the question")
    click(lambda: browser.find_element(
        By.XPATH, "//div[contains(@class,'q-dialog')]//button[normalize-space(.)='Revoke']"),
          what="the confirmation")
    wait_for(lambda: "You have no API tokens." in visible_text(browser), what="the token gone")
    wait_for(lambda: "It also revokes" not in visible_text(browser), what="the warning again")
    assert me_status(base, shown)[0] == 401
