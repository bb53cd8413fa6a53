"""The notification toast in a real headless Chromium (issue 24, part 5).

A web process (`python -m ui`, as the Procfile's `web`) runs on the test's PostgreSQL and
Redis; the test drives a batch through the engine (the worker's own process_item and
finalize), whose notification event reaches the web process over Redis pub/sub. The open
page shows the toast and the bell counts it, with no reload. Screenshots of the toast,
the bell's list and /account/notifications at 1366 and 390 px go to test-artifacts/browser/.
"""

from __future__ import annotations

import pytest

from app.accounts import users
from app.engine import batches, finalize
from app.notify import notifications
from tests.security.test_sessions import sign_in
from tests.ui.test_admin_live_browser import run_items, web_process  # noqa: F401
from tests.ui.test_browser import browser, chromium, click, set_look, shoot, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

PASSWORD = "a-good-password-for-toasts"


def finish_batch(owner, title: str, n: int) -> str:
    batch = batches.submit(owner, kind="noop", operator=True, title=title,
                           items=[batches.NewItem(f"resume-{i:02d}.txt") for i in range(n)])
    run_items(batch.id, n)
    assert finalize.finalize_batch(batch.id) is True
    return str(batch.id)


def toasts(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [t.text for t in driver.find_elements(By.CSS_SELECTOR, ".sl-toast")]


def bell_label(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, "button[aria-label^=Notifications]") \
        .get_attribute("aria-label")


def menu_settled(driver) -> bool:
    """The bell's list fully drawn (its opening animation over) and inside the window."""
    from selenium.webdriver.common.by import By

    menu = driver.find_element(By.CSS_SELECTOR, ".q-menu")
    rect = driver.execute_script(
        "const m = arguments[0], r = m.getBoundingClientRect();"
        " const l = m.querySelector('.sl-bell-list').getBoundingClientRect();"
        " return [r.left, r.right, window.innerWidth, getComputedStyle(m).opacity,"
        " m.classList.contains('q-transition--scale-enter-active'), l.right];", menu)
    left, right, width, opacity, animating, list_right = rect
    # Nothing cut off: the menu in the window, its list inside the menu
    return (float(opacity) == 1 and not animating and left >= 0 and right <= width
            and list_right <= right + 0.5)


def open_bell(driver, where: str) -> None:
    """Open the bell's list and wait until it has opened inside the window."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "button[aria-label^=Notifications]").click()
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, ".sl-bell-row").is_displayed(),
             what=f"the bell's list{where}")
    wait_for(lambda: menu_settled(driver), what=f"the bell's list{where}, inside the window")


def test_the_toast_appears_on_an_open_page_when_a_screening_finishes(web_process, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    owner = users.create_user("toast-owner@example.com", PASSWORD, role="recruiter",
                              plan="premium")
    browser.set_window_size(1366, 900)
    sign_in(browser, web_process.base, owner.email, PASSWORD)
    browser.get(web_process.base + "/candidates")
    wait_for(lambda: bell_label(browser) == "Notifications", what="the bell")
    assert toasts(browser) == []

    batch_id = finish_batch(owner, "Nurses", 3)
    wait_for(lambda: toasts(browser), timeout=15, what="the toast")
    assert toasts(browser)[0].splitlines()[1:3] == [
        "Your screening “Nurses” finished: 3 screened.", "Open the screening"]
    link = browser.find_element(By.CSS_SELECTOR, ".sl-toast a")
    assert link.get_attribute("href") == f"{web_process.base}/screenings/{batch_id}"
    assert bell_label(browser) == "Notifications, 1 unread"
    shoot(browser, "notify-toast-1366")

    # The bell's list, then the settings page it links to
    open_bell(browser, "")
    shoot(browser, "notify-bell-1366")
    click(lambda: browser.find_element(By.LINK_TEXT, "Notification settings"),
          what="the settings link")
    wait_for(lambda: "/account/notifications" in browser.current_url, what="the settings")
    wait_for(lambda: "Last deliveries" in browser.page_source, what="the settings page")
    shoot(browser, "notify-settings-1366")

    # A phone: the same at 390 px
    set_look(browser, dark=False, phone=True)
    browser.get(web_process.base + "/")
    wait_for(lambda: bell_label(browser) == "Notifications, 1 unread", what="the count")
    finish_batch(owner, "Night shift paediatric nurses for the new ward", 2)
    wait_for(lambda: toasts(browser), timeout=15, what="the toast on a phone")
    assert bell_label(browser) == "Notifications, 2 unread"
    shoot(browser, "notify-toast-390")
    open_bell(browser, " on a phone")
    shoot(browser, "notify-bell-390")
    browser.get(web_process.base + "/account/notifications")
    wait_for(lambda: "Last deliveries" in browser.page_source, what="the settings page")
    shoot(browser, "notify-settings-390")
    assert notifications.unread_count(owner) == 2

    # A webhook saved: its secret shown once, and long enough to wrap on a phone
    browser.find_element(By.CSS_SELECTOR, "input[maxlength='2000']").send_keys(
        "https://93.184.215.14/hooks/shortlist")
    click(lambda: browser.find_element(By.XPATH, "//button[contains(., 'Save and make')]"),
          what="the webhook's save button")
    wait_for(lambda: "shown only once" in browser.page_source, what="the secret")
    secret = browser.find_element(By.XPATH, "//*[starts-with(normalize-space(text()), 'whsec_')]")
    assert secret.size["width"] <= 390 and len(secret.text) > 40
    shoot(browser, "notify-webhook-secret-390")

    # Dark: the toast keeps its contrast
    set_look(browser, dark=True, phone=False)
    browser.get(web_process.base + "/")
    browser.execute_script("setDark(true)")
    finish_batch(owner, "Pharmacists", 1)
    wait_for(lambda: toasts(browser), timeout=15, what="the toast in dark mode")
    shoot(browser, "notify-toast-dark-1366")
