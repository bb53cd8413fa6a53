"""End to end in a real headless Chromium against `python -m app serve` (embedded mode).

Given a new installation (its first admin's password read from the console), when the
admin signs in, describes an opening and drops twenty-odd resumes on the page, then the
progress bar moves while the in-process workers screen them, the shortlist and the failed
file appear, and the CSV report downloads. Screenshots (light, dark, phone width) are kept
in test-artifacts/browser/ for a person to look at.

Needs /usr/bin/chromium and chromedriver (Debian: `apt-get install chromium
chromium-driver`); skipped without them unless SHORTLIST_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.analysis import factories
from tests.conftest import REPO
from tests.processes import ShortlistProcess
from tests.test_serve import wait_healthy

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "browser"
N_RESUMES = 20
# The resumes repeat the factories' texts: files of one person are one row (one per text).
PEOPLE = len(factories.RESUMES)
# The title counts people and the files they came from (the counter counts files).
SHORTLIST = f"Shortlist ({PEOPLE} people from {N_RESUMES} resumes)"


def browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
    if not shutil.which("chromedriver"):
        return "chromedriver is missing (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


@pytest.fixture(scope="module")
def chromium() -> None:
    problem = browser_problem()
    if problem:
        if os.environ.get("SHORTLIST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SHORTLIST_REQUIRE_BROWSER=1, but {problem}")
        pytest.skip(problem)


class Served(ShortlistProcess):
    """`python -m app serve` in a fresh folder, stopped with Ctrl+C as a person would."""

    def __init__(self, cwd: Path) -> None:
        # One worker thread and a window of one item: the resumes go one after the other,
        # slowly enough for a person (and this test) to see the bar move.
        super().__init__(["app", "serve"], cwd, stop_signal=signal.SIGINT, DISPATCH_WINDOW=1,
                         EMBEDDED_WORKER_THREADS=1)

    def admin(self, timeout: float = 60.0) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"email:\s+(\S+)\s+password:\s+(\S+)", self.output)
            if match:
                return match.group(1), match.group(2)
            time.sleep(0.2)
        raise AssertionError(f"no admin password printed:\n{self.output}")


@pytest.fixture
def served(tmp_path: Path, chromium) -> Iterator[Served]:
    server = Served(tmp_path)
    try:
        assert wait_healthy(server.port, server.proc) == 200
        yield server
    finally:
        server.stop()
        (ARTIFACTS / "serve.log").parent.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "serve.log").write_text(server.output)


@pytest.fixture
def browser(tmp_path: Path, chromium):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    for argument in ("headless=new", "no-sandbox", "disable-dev-shm-usage",
                     "window-size=1280,900"):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    })
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.implicitly_wait(0)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


# --- Small steps -----------------------------------------------------------------------


def wait_for(predicate, timeout: float = 20.0, what: str = "the page"):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001  (the element is not there yet)
            last_error = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last_error})")


def click(find, timeout: float = 10.0, what: str = "a button") -> None:
    """Click once the element is there and can be clicked (menus and dialogs animate)."""
    def attempt():
        find().click()
        return True
    wait_for(attempt, timeout=timeout, what=what)


def by_text(driver, text: str, tag: str | None = None):
    """A `tag` element containing the text, or (no tag) the element whose own text does."""
    from selenium.webdriver.common.by import By

    if tag:
        return driver.find_element(By.XPATH, f"//{tag}[contains(normalize-space(.), {text!r})]")
    return driver.find_element(
        By.XPATH, f"//body//*[not(self::script)][text()[contains(normalize-space(.), {text!r})]]")


def visible_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def shoot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def set_look(driver, *, dark: bool, phone: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
    if phone:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def resumes(folder: Path) -> list[Path]:
    folder.mkdir()
    texts = list(factories.RESUMES.values())
    paths = []
    for i in range(N_RESUMES):
        path = folder / f"resume-{i + 1:02d}.docx"
        path.write_bytes(factories.make_docx(texts[i % len(texts)] + f"\nReference {i}\n"))
        paths.append(path)
    (folder / "damaged.pdf").write_bytes(factories.truncated_pdf())
    (folder / "empty.txt").write_bytes(b"")
    return [*paths, folder / "damaged.pdf", folder / "empty.txt"]


# --- The test ----------------------------------------------------------------------------


def test_a_recruiter_screens_resumes_in_a_real_browser(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser
    email, password = served.admin()

    # Signed out, the new-screening page sends the visitor to sign in first
    driver.get(served.base + "/new")
    wait_for(lambda: "/signin?next=/new" in driver.current_url, what="the sign-in redirect")
    wait_for(lambda: by_text(driver, "Sign in to Shortlist"), what="the sign-in form")
    shoot(driver, "signin-light")
    driver.find_element(By.CSS_SELECTOR, "input[type=email]").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys("wrong password")
    by_text(driver, "Sign in", "button").click()
    wait_for(lambda: by_text(driver, "Wrong email or password."), what="the refusal")
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password)
    by_text(driver, "Sign in", "button").click()
    # The printed password is a one-time one: it must be changed before any other page.
    wait_for(lambda: "/account" in driver.current_url, what="the forced password change")
    fields = wait_for(lambda: len(driver.find_elements(
        By.CSS_SELECTOR, "input[type=password]")) == 3 and driver.find_elements(
        By.CSS_SELECTOR, "input[type=password]"), what="the password fields")
    new_password = "a-new-admin-password-2026"
    for field, value in zip(fields, (password, new_password, new_password)):
        field.send_keys(value)
    by_text(driver, "Change password", "button").click()
    wait_for(lambda: driver.current_url.endswith("/new"), what="the new-screening page")

    # The opening: suggested skills come from the description
    title = wait_for(lambda: driver.find_element(
        By.XPATH, "//label[contains(., 'Job title')]//input"), what="the title field")
    title.send_keys("Backend Engineer")
    driver.find_element(By.XPATH, "//label[contains(., 'Job description')]//textarea").send_keys(
        "We need Python and PostgreSQL; Docker and Kubernetes help.")
    wait_for(lambda: by_text(driver, "Skills named in the description"), what="suggestions")
    shoot(driver, "new-screening-suggestions-light")
    # The star makes Python a must-have; "Add all" adds the rest as nice-to-haves
    driver.find_element(By.CSS_SELECTOR, "button[aria-label='Make Python a must-have']").click()
    wait_for(lambda: "Python" in driver.find_element(
        By.XPATH, "//label[contains(., 'Must-have skills')]").text, what="the must-have chip")
    by_text(driver, "Add all as nice-to-haves", "button").click()
    wait_for(lambda: "Kubernetes" in driver.find_element(
        By.XPATH, "//label[contains(., 'Nice-to-have skills')]").text, what="the nice-to-haves")
    assert "Kubernetes" not in driver.find_element(
        By.XPATH, "//label[contains(., 'Must-have skills')]").text

    # The resumes, dropped through the file input the drop zone drives
    files = resumes(tmp_path / "resumes")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
        "\n".join(str(p) for p in files))
    wait_for(lambda: by_text(driver, f"{N_RESUMES + 1} resumes ready to screen"), timeout=30,
             what="the uploaded files")
    assert "1 file not added" in visible_text(driver)
    assert "The file is empty (0 bytes)." in visible_text(driver)
    shoot(driver, "new-screening-light")

    # Start: the screening's page follows the workers
    by_text(driver, "Start screening", "button").click()
    wait_for(lambda: "/screenings/" in driver.current_url, timeout=30, what="the screening page")
    counts: list[int] = []
    bars: list[float] = []
    pattern = re.compile(rf"(\d+) of {N_RESUMES + 1} resumes screened")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        match = pattern.search(visible_text(driver))
        if match:
            n = int(match.group(1))
            if not counts or counts[-1] != n:
                counts.append(n)
                bar = driver.find_element(By.CSS_SELECTOR, "[role=progressbar]")
                bars.append(float(bar.get_attribute("aria-valuenow") or 0))
                if len(counts) == 3:
                    shoot(driver, "screening-running-light")
            if n == N_RESUMES + 1 and "Finished" in visible_text(driver):
                break
        time.sleep(0.1)
    assert counts and counts[-1] == N_RESUMES + 1, counts
    # The bar moved through the run, never backwards (the counter is drawn with the list,
    # read at most twice a second: a quick run shows a step or two between 0 and the end)
    assert len(counts) >= 3, counts
    assert counts == sorted(counts) and bars == sorted(bars), (counts, bars)
    assert bars[-1] == pytest.approx(1.0)
    assert f"{N_RESUMES + 1} of {N_RESUMES + 1} resumes screened, 1 could not be read" in \
        visible_text(driver)

    wait_for(lambda: by_text(driver, SHORTLIST), what="the shortlist")
    wait_for(lambda: by_text(driver, "Could not be read (1)"), what="the failed file")
    assert "damaged.pdf" in visible_text(driver)
    assert "Also uploaded as resume-10.docx, resume-19.docx" in visible_text(driver)
    csv_button = by_text(driver, "Download CSV", "button")
    wait_for(lambda: csv_button.is_enabled() and csv_button.get_attribute("disabled") is None,
             timeout=30, what="the report")
    shoot(driver, "screening-finished-light")

    # The CSV report downloads through the session-checked route
    csv_button.click()
    report = wait_for(lambda: next(iter(driver.downloads.glob("*.csv")), None), timeout=20,
                      what="the CSV download")
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert len(rows) == PEOPLE + 1
    assert [r["rank"] for r in rows[:PEOPLE]] == [str(i) for i in range(1, PEOPLE + 1)]
    assert rows[-1]["file"] == "damaged.pdf" and rows[-1]["rank"] == ""

    # The file name on a row is a link to the original; it does not open the details
    file_link = driver.find_element(By.CSS_SELECTOR, ".sl-table tbody tr a.sl-file-link")
    name = file_link.text
    assert re.search(r"/resumes/\d+$", file_link.get_attribute("href")) and name
    file_link.click()
    wait_for(lambda: (driver.downloads / name).exists() or None, timeout=20,
             what="the original resume's download")
    assert "Must-have skills found" not in visible_text(driver)

    # A candidate's explanation
    driver.find_element(By.CSS_SELECTOR, ".sl-table tbody tr").click()
    wait_for(lambda: by_text(driver, "Must-have skills found"), what="the details")
    time.sleep(0.6)  # the dialog's opening animation
    shoot(driver, "candidate-light")
    # ... with the original resume one click away (a link: Tab reaches it)
    link = driver.find_element(By.CSS_SELECTOR, "a.sl-action-link")
    assert link.text in ("Open resume", "Download resume")
    status = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        " fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type')]))"
        ".catch(e => done(String(e)));", link.get_attribute("href"))
    assert status[0] == 200 and status[1] in ("application/pdf", "text/plain; charset=utf-8",
                                              "application/vnd.openxmlformats-officedocument"
                                              ".wordprocessingml.document"), status
    by_text(driver, "Close", "button").click()

    # The same resumes for another opening, nothing uploaded again (issue 23)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    screening_url = driver.current_url
    time.sleep(0.5)  # the dialog's closing animation
    click(lambda: by_text(driver, "Screen for another opening"), what="the re-screen link")
    wait_for(lambda: "/new?from=" in driver.current_url, what="the re-screen form")
    wait_for(lambda: by_text(driver, f"The {N_RESUMES + 1} resumes of"), what="its resumes")
    title = driver.find_element(By.XPATH, "//label[contains(., 'Job title')]//input")
    title.send_keys(Keys.CONTROL, "a")
    title.send_keys("Staff Accountant")
    shoot(driver, "rescreen-light")
    by_text(driver, "Start screening", "button").click()
    wait_for(lambda: "/screenings/" in driver.current_url
             and driver.current_url != screening_url or None, what="the new screening")
    wait_for(lambda: by_text(driver, SHORTLIST), timeout=120,
             what="the re-screened shortlist")
    assert by_text(driver, "Staff Accountant")
    shoot(driver, "rescreened-light")
    driver.get(screening_url)
    wait_for(lambda: by_text(driver, SHORTLIST), what="the first screening")

    # The same pages, dark and at phone width
    set_look(driver, dark=True, phone=False)
    driver.refresh()
    wait_for(lambda: by_text(driver, SHORTLIST), what="the page again")
    time.sleep(0.5)
    assert "body--dark" in driver.find_element(By.TAG_NAME, "body").get_attribute("class")
    shoot(driver, "screening-finished-dark")
    set_look(driver, dark=False, phone=True)
    driver.refresh()
    wait_for(lambda: by_text(driver, SHORTLIST), what="the phone page")
    time.sleep(0.5)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shoot(driver, "screening-finished-phone")
    # On a phone the candidates are cards; a tap opens the same explanation
    driver.find_element(By.CSS_SELECTOR, ".sl-grid-item").click()
    wait_for(lambda: by_text(driver, "Must-have skills found"), what="the phone details")
    time.sleep(0.6)
    shoot(driver, "candidate-phone")
    by_text(driver, "Close", "button").click()
    driver.get(served.base + "/")
    wait_for(lambda: by_text(driver, "My screenings"), what="my screenings")
    assert f"{N_RESUMES + 1} of {N_RESUMES + 1} resumes screened" in visible_text(driver)
    shoot(driver, "my-screenings-phone")
    set_look(driver, dark=True, phone=True)
    driver.get(served.base + "/new")
    wait_for(lambda: by_text(driver, "Drop resumes here"), what="the new page")
    time.sleep(0.5)
    shoot(driver, "new-screening-phone-dark")

    # By keyboard, at desktop width (issue 25): the header's navigation is links; a
    # candidate's name opens their details with Enter; a sortable header sorts with Enter
    set_look(driver, dark=False, phone=False)
    driver.get(screening_url)
    wait_for(lambda: by_text(driver, SHORTLIST), what="the screening again")
    assert driver.find_element(By.XPATH, "//header//a[@href='/new']")
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, ".sl-table td [role=button]"),
             what="a candidate's name")

    def tab_to(css: str, limit: int = 80):
        """Press Tab until the focus is on an element matching `css` (reachable by Tab)."""
        for _ in range(limit):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            if driver.execute_script(
                    "return document.activeElement.matches(arguments[0])", css):
                return driver.switch_to.active_element
        raise AssertionError(f"Tab never reached {css}")

    driver.find_element(By.TAG_NAME, "body").click()
    tab_to("th[tabindex='0']")  # the sortable headers come before the rows
    tab_to(".sl-table td [role=button]").send_keys(Keys.ENTER)
    wait_for(lambda: by_text(driver, "Must-have skills found"), what="the details by keyboard")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    time.sleep(0.6)
    driver.execute_script("arguments[0].focus()", driver.find_element(
        By.XPATH, "//th[@tabindex='0'][contains(., 'Years')]"))
    driver.switch_to.active_element.send_keys(Keys.ENTER)

    def first_years() -> str | None:
        cells = driver.find_elements(By.CSS_SELECTOR, ".sl-table tbody tr td:last-child")
        return cells[0].text if cells else None

    wait_for(lambda: first_years() == max(
        (c.text for c in driver.find_elements(By.CSS_SELECTOR, ".sl-table tbody tr td:last-child")
         if c.text), key=float), what="the list sorted by years")
    # My screenings: a search narrows the list
    driver.get(served.base + "/")
    search = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "input[type=search]"),
                      what="the search box")
    search.send_keys("no such opening")
    wait_for(lambda: by_text(driver, "No screening matches."), what="the empty search")

    # Sessions are kept in the data folder (a volume in a container), not in a .nicegui/
    # folder of the working directory (lost with the container: everyone signed out)
    assert any((tmp_path / "data" / "web-sessions").iterdir())

    # Signing out ends the session
    driver.find_element(By.CSS_SELECTOR, "button[aria-label=Account]").click()
    click(lambda: by_text(driver, "Sign out"), what="the account menu")
    wait_for(lambda: "/signin" in driver.current_url, what="the sign-in page")
    driver.get(served.base + "/")
    wait_for(lambda: "/signin" in driver.current_url, what="the redirect after signing out")
    assert not (tmp_path / ".nicegui").exists()
