"""The admin's Screenings list moves on its own, in a real headless Chromium.

A web process (`python -m ui`, as the Procfile's `web`) runs against the test's PostgreSQL
and Redis; this test drives a batch's items through the engine itself
(app.engine.processing.process_item, what a worker runs for each message), whose events
reach the web process over Redis pub/sub. The list's row follows without a reload, and
stands still while "Pause updates" is on. Screenshots at 1366 and 390 px wide are kept in
test-artifacts/browser/.

Needs /usr/bin/chromium and chromedriver, like tests/ui/test_browser.py; PostgreSQL and
Redis (integration).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts import users
from app.db import get_engine
from app.engine import batches, processing
from app.models import Item
from tests.processes import ShortlistProcess
from tests.security.test_sessions import sign_in
from tests.test_serve import wait_healthy
from tests.ui.test_browser import ARTIFACTS, browser, chromium, click, shoot, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

N = 12
PASSWORD = "a-good-password-for-admins"


class Web(ShortlistProcess):
    """`python -m ui` on the test's database and Redis; its console kept for the log."""

    def __init__(self, cwd: Path, database_url: str, redis_url: str) -> None:
        super().__init__(["ui"], cwd, DATABASE_URL=database_url, REDIS_URL=redis_url,
                         STORAGE_SECRET="browser-test-secret-0123456789",
                         DATA_DIR=str(cwd / "data"))


@pytest.fixture
def web_process(tmp_path: Path, pg_stack, chromium) -> Iterator[Web]:  # noqa: F811
    stack = pg_stack()
    web = Web(tmp_path, stack.settings.database_url, stack.settings.redis_url)
    try:
        assert wait_healthy(web.port, web.proc) == 200
        yield web
    finally:
        web.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "admin-live-web.log").write_text(web.output)


def queued_ids(batch_id) -> list[int]:
    with get_engine().connect() as conn:
        return list(conn.execute(select(Item.__table__.c.id).where(
            Item.__table__.c.batch_id == batch_id, Item.__table__.c.status == "queued")
            .order_by(Item.__table__.c.seq)).scalars())


def run_items(batch_id, n: int) -> None:
    """n items of the batch through the worker's own path, one after the other."""
    for _ in range(n):
        item_id = queued_ids(batch_id)[0]
        assert processing.process_item(item_id) == "done"


def row_progress(driver, batch_id: str) -> str:
    from selenium.webdriver.common.by import By

    link = driver.find_element(By.CSS_SELECTOR, f"a[href='/screenings/{batch_id}']")
    row = link.find_element(By.XPATH, "./ancestor::tr")
    cell = row.find_elements(By.TAG_NAME, "td")[7]  # selection, title, owner, status, lane,
    return cell.text.strip()  # kind, files, then the progress


def test_the_screenings_list_moves_on_its_own_and_stops_when_paused(web_process, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    admin = users.create_user("live-admin@example.com", PASSWORD, role="admin")
    owner = users.create_user("owner@example.com", PASSWORD, role="recruiter", plan="premium")
    batch = batches.submit(owner, kind="noop", operator=True, title="Night nurses",
                           items=[batches.NewItem(f"nurse-{i:02d}.txt") for i in range(N)])
    batch_id = str(batch.id)
    browser.set_window_size(1366, 900)
    sign_in(browser, web_process.base, admin.email, PASSWORD)
    browser.get(web_process.base + "/admin/batches")
    wait_for(lambda: row_progress(browser, batch_id) == f"0 of {N}", what="the batch's row")
    wait_for(lambda: "Updates as screenings progress." in browser.page_source,
             what="the live line")

    # The batch progresses: the row follows, no reload
    run_items(batch.id, 3)
    wait_for(lambda: row_progress(browser, batch_id) == f"3 of {N}", timeout=10,
             what="the row to show 3 done")
    shoot(browser, "admin-screenings-live-1366")

    # Paused: the row stands still while items go on
    click(lambda: browser.find_element(
        By.XPATH, "//button[contains(normalize-space(.), 'Pause updates')]"),
        what="Pause updates")
    wait_for(lambda: "Updates paused." in browser.page_source, what="the paused line")
    run_items(batch.id, 4)
    wait_for(lambda: "Newer changes will show when updates resume." in browser.page_source,
             timeout=10, what="the page to know of newer changes")
    time.sleep(1.5)  # three times the live lists' interval: a moving row would have moved
    assert row_progress(browser, batch_id) == f"3 of {N}"

    # Resumed: the latest at once, and live again to the end
    click(lambda: browser.find_element(
        By.XPATH, "//button[contains(normalize-space(.), 'Resume updates')]"),
        what="Resume updates")
    wait_for(lambda: row_progress(browser, batch_id) == f"7 of {N}", timeout=10,
             what="the row to catch up")
    run_items(batch.id, N - 7)
    wait_for(lambda: row_progress(browser, batch_id) == f"{N} of {N}", timeout=10,
             what="the row to reach the end")
    wait_for(lambda: "Finished" in browser.find_element(
        By.CSS_SELECTOR, f"a[href='/screenings/{batch_id}']").find_element(
        By.XPATH, "./ancestor::tr").text, timeout=10, what="the status to read Finished")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    time.sleep(0.5)
    shoot(browser, "admin-screenings-live-390")
