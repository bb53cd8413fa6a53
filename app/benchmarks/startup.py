"""`python -m app.benchmarks.startup`: how long from starting the web process to its
first page, cold (a new data folder: migrations and the first admin) and warm.

Each round starts `python -m app serve` (embedded: SQLite, in-process worker and
scheduler) in a folder of its own and times, from the process's start: /healthz answering
200, then the sign-in page's HTML, then a second request of it; with --browser, the
sign-in form shown in headless Chromium (selenium, a dev dependency: the page's scripts
loaded and run). The baseline in the same run is a bare Python interpreter's start
(`python -c pass`), the floor of any process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (localhost)
            response.read()
            return response.status
    except OSError:
        return None


def _env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("PYTEST_")}
    env.update(PORT=str(port), HOST="127.0.0.1", PYTHONPATH=str(REPO))
    return env


def _browser():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def _form_shown(browser, url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(url)
    deadline = time.monotonic() + TIMEOUT_S
    while not browser.find_elements(By.CSS_SELECTOR, "input[type=password]"):
        if time.monotonic() > deadline:
            raise RuntimeError("the sign-in form never showed")
        time.sleep(0.01)


def start_once(folder: Path, browser=None) -> dict[str, float]:
    """One start of `serve` in `folder`: seconds to health, first page, second page."""
    port = _free_port()
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve"], cwd=folder,
                            env=_env(port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        figures = {}
        base = f"http://127.0.0.1:{port}"
        while _get(f"{base}/healthz") != 200:
            if proc.poll() is not None or time.monotonic() - started > TIMEOUT_S:
                raise RuntimeError("serve did not become healthy")
            time.sleep(0.02)
        figures["healthy_s"] = time.monotonic() - started
        if browser is not None:
            _form_shown(browser, f"{base}/signin")
            figures["form_shown_s"] = time.monotonic() - started
        if _get(f"{base}/signin") != 200:
            raise RuntimeError("the sign-in page did not answer 200")
        figures["first_page_s"] = time.monotonic() - started
        before = time.monotonic()
        _get(f"{base}/signin")
        figures["next_page_s"] = time.monotonic() - before
        return figures
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def bare_python_s() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.monotonic() - started


def run(rounds: int, browser: bool = False) -> dict[str, float]:
    cold, warm = [], []
    chromium = _browser() if browser else None
    try:
        for _ in range(rounds):
            folder = Path(tempfile.mkdtemp(prefix="shortlist-startup-"))
            try:
                cold.append(start_once(folder, chromium))
                warm.append(start_once(folder, chromium))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        if chromium is not None:
            chromium.quit()

    def median(rows, key):
        return round(statistics.median(r[key] for r in rows), 2)

    shown = {"cold_form_shown_s": median(cold, "form_shown_s"),
             "warm_form_shown_s": median(warm, "form_shown_s")} if browser else {}
    return {
        **shown,
        "bare_python_s": round(statistics.median(bare_python_s() for _ in range(3)), 3),
        "cold_healthy_s": median(cold, "healthy_s"),
        "cold_first_page_s": median(cold, "first_page_s"),
        "warm_healthy_s": median(warm, "healthy_s"),
        "warm_first_page_s": median(warm, "first_page_s"),
        "next_page_s": median(warm, "next_page_s"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--browser", action="store_true",
                        help="also time the sign-in form shown in headless Chromium")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.rounds, args.browser)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"web process start to first page, median of {args.rounds} rounds (serve, embedded)")
    print("-" * 72)
    labels = {
        "bare_python_s": "bare Python interpreter start (the floor)",
        "cold_healthy_s": "cold start (new data folder): /healthz answers",
        "cold_first_page_s": "cold start: the sign-in page's HTML",
        "warm_healthy_s": "warm start: /healthz answers",
        "warm_first_page_s": "warm start: the sign-in page's HTML",
        "next_page_s": "a second request of the page",
        "cold_form_shown_s": "cold start: the sign-in form shown in Chromium",
        "warm_form_shown_s": "warm start: the sign-in form shown in Chromium",
    }
    for key, label in labels.items():
        if key not in figures:
            continue
        print(f"{label:<52} {figures[key]:>8.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
