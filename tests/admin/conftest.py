"""Fixtures for the admin dashboard's tests: the web app's simulated user (the pattern of
tests/ui/conftest.py) and a fresh dashboard cache per test (it is per process, and each
test has its own database)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import AsyncIterator

import pytest
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from app.admin import overview
from tests.ui.conftest import (  # noqa: F401  (fixtures, used by name)
    MAIN_FILE,
    _nicegui_storage,
    _quick_password_hashes,
    anyio_backend,
    stack_overrides,
    web,
)


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    overview.shared.reset()
    yield
    overview.shared.reset()


def _relink_packages(before: set[str]) -> None:
    """NiceGUI's simulation drops the modules that declare pages, and their packages, from
    sys.modules when it ends. A later `import ui` then makes a new `ui` package without its
    submodules that stayed loaded (`ui.live`), and tests naming "ui.live" fail in whatever
    runs after these (tests/ui/test_live.py does). Re-import the dropped packages and link
    the submodules that stayed, as the first import had them."""
    dropped = sorted((name for name in before if name not in sys.modules), key=len)
    for name in dropped:
        if not any(other.startswith(name + ".") for other in sys.modules):
            continue  # a page module itself: the next simulation imports it afresh
        package = importlib.import_module(name)
        for other, module in list(sys.modules.items()):
            parent, _, child = other.rpartition(".")
            if parent == name and module is not None and not hasattr(package, child):
                setattr(package, child, module)


@pytest.fixture
async def user(web, caplog: pytest.LogCaptureFixture) -> AsyncIterator[User]:  # noqa: F811
    """A simulated browser on the app, like tests/ui's, started with an empty dashboard
    cache: the web app warms it when it starts, before the test made its data."""
    before = set(sys.modules)
    async with user_simulation(main_file=MAIN_FILE) as simulated:
        for _ in range(400):  # until the start-up computation is in (then forget it)
            if overview.shared.latest() is not None:
                break
            await asyncio.sleep(0.025)
        overview.shared.reset()
        yield simulated
    _relink_packages(before)
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("There were unexpected ERROR logs: "
                    + "; ".join(r.getMessage() for r in errors), pytrace=False)
