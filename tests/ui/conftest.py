"""Fixtures for the web app's tests: a simulated browser user against a real Stack.

NiceGUI's `user` fixture lives in its pytest plugin, which pytest only accepts from the
root conftest; the same simulation is used here directly (nicegui.testing.user_simulation),
so these tests need no change outside tests/ui.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from nicegui import app as nicegui_app
from nicegui.storage import Storage
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from app.accounts import signin, users
from app.models import User as Account

MAIN_FILE = Path(__file__).with_name("main_app.py")
PASSWORD = "a-good-password"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with the cheapest parameters: these tests sign in a lot."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                          parallelism=1))
    monkeypatch.setattr(signin, "_dummy_hash", None)


@pytest.fixture(scope="session")
def _nicegui_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """NiceGUI keeps app.storage.user in files; keep them out of the working tree."""
    previous = Storage.path
    Storage.path = tmp_path_factory.mktemp("nicegui-storage").resolve()
    nicegui_app.storage = Storage()
    yield
    Storage.path = previous


@pytest.fixture
def stack_overrides() -> dict:
    """Settings for the web app's Stack; a test overrides this with parametrize."""
    return {}


@pytest.fixture
def web(stack_factory, stack_overrides, _nicegui_storage) -> Iterator[object]:
    """The Stack the web app runs on (SQLite + fakeredis, or PostgreSQL + Redis)."""
    signin.reset()
    yield stack_factory(**stack_overrides)
    signin.reset()


def _freeze_the_heap() -> None:
    """NiceGUI's simulation runs gc.collect() as it starts and ends: what the module's
    earlier tests left alive is kept out of its sight too (see tests/conftest.py)."""
    gc.collect()
    gc.freeze()


@pytest.fixture
async def user(web, caplog: pytest.LogCaptureFixture) -> AsyncIterator[User]:
    """A simulated browser on the app, like nicegui.testing.user_plugin's `user`."""
    _freeze_the_heap()
    async with user_simulation(main_file=MAIN_FILE) as simulated:
        yield simulated
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("There were unexpected ERROR logs: "
                    + "; ".join(r.getMessage() for r in errors), pytrace=False)


_n = 0


def make_account(role: str = "recruiter", plan: str = "premium", **fields) -> Account:
    global _n
    _n += 1
    return users.create_user(f"recruiter{_n}@example.com", PASSWORD, role=role, plan=plan)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The pages' simulated-user tests run on PostgreSQL only: the pages are the same on
    both databases, whose differences the layers below test on both; running them twice
    cost several minutes of CI's 30."""
    here = str(Path(__file__).parent)
    dropped = [i for i in items if str(i.path).startswith(here)
               and "web" in getattr(i, "fixturenames", ()) and "[sqlite" in i.nodeid]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]
