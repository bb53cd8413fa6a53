"""`python -m app bench-dashboard` on a small database: it signs in for real, measures
every admin view (a view it could not measure fails the run) and drops its database."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VIEWS = ("Overview", "Workers", "Screenings", "Failures", "Lanes", "Users", "Audit log")


def test_every_admin_view_is_measured_signed_in(pg_url, real_redis_url):
    result = subprocess.run(
        [sys.executable, "-m", "app", "bench-dashboard", "--items", "2000", "--batches", "40",
         "--repeats", "2"],
        cwd=REPO, env=subprocess_env(DATABASE_URL=pg_url, REDIS_URL=real_redis_url),
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for view in VIEWS:
        # A measured view has p50 and p95 figures and the note "ok" (a redirect to the
        # sign-in page used to be "measured" at a few milliseconds).
        assert re.search(rf"^\| {re.escape(view)} \| /admin\S* \| [\d.]+ \| [\d.]+ \| [\d.]+"
                         rf" \| (yes|no) \| ok \|$", result.stdout, re.M), result.stdout
    assert "NOT MEASURED" not in result.stderr


def test_a_run_without_redis_is_refused_clearly(pg_url):
    result = subprocess.run(
        [sys.executable, "-m", "app", "bench-dashboard", "--items", "100", "--batches", "10"],
        cwd=REPO, env=subprocess_env(DATABASE_URL=pg_url), capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 2
    assert "REDIS_URL must name a Redis server" in result.stderr
