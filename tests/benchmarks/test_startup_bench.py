"""`python -m app.benchmarks.startup` runs and prints its figures (one round, no browser)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, subprocess_env


def test_the_startup_benchmark_prints_its_figures():
    result = subprocess.run([sys.executable, "-m", "app.benchmarks.startup", "--rounds", "1"],
                            cwd=REPO, env=subprocess_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    lines = {line.rsplit(None, 2)[0].strip(): float(line.rsplit(None, 2)[1])
             for line in result.stdout.splitlines() if line.endswith(" s")}
    assert set(lines) == {
        "bare Python interpreter start (the floor)",
        "cold start (new data folder): /healthz answers",
        "cold start: the sign-in page's HTML",
        "warm start: /healthz answers",
        "warm start: the sign-in page's HTML",
        "a second request of the page"}
    assert 0 < lines["cold start (new data folder): /healthz answers"] <= \
        lines["cold start: the sign-in page's HTML"]
