"""Fixtures shared by every layer: databases, brokers, a configured Shortlist, workers."""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dramatiq
import fakeredis
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import migrate
from app.db import build_engine, set_engine
from app.engine import events
from app.engine.broker import build_broker, set_broker
from app.recruiting import parking
from app.settings import Settings, get_settings, reset_settings
from tests import services

# Settings the tests choose explicitly; anything from the developer's shell is ignored.
_SETTING_VARS = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in _SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    yield
    set_engine(None)
    set_broker(None)
    events.reset()
    parking.reset()
    reset_settings()


# --- A long run's heap ------------------------------------------------------------------

_module_now: list[str] = [""]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Late in a full run the heap holds millions of objects that earlier tests left alive
    (imported models, cached apps), and every full collection walked them all: about a
    second each, in NiceGUI's simulation twice per test. At each module's first test they
    are collected once and moved out of the collector's sight (gc.freeze); what a test
    makes is still collected."""
    module = getattr(item.module, "__name__", "") if hasattr(item, "module") else ""
    if module != _module_now[0]:
        _module_now[0] = module
        gc.collect()
        gc.freeze()


# --- In CI, integration tests (the Docker image's too) must run ----------------------

_skipped_integration: list[str] = []
_passed_docker: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and {"integration", "docker"} & set(report.keywords):
        _skipped_integration.append(report.nodeid)
    if report.when == "call" and report.passed and "docker" in report.keywords:
        _passed_docker.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if services.required() and _skipped_integration:
        print(f"\n{len(_skipped_integration)} integration tests were skipped, but"
              " SHORTLIST_REQUIRE_SERVICES=1 requires them to run:")
        for nodeid in _skipped_integration[:20]:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if os.environ.get("SHORTLIST_REQUIRE_DOCKER") == "1" and not _passed_docker:
        # CI builds and runs the image every time: not running that test is a failure too.
        print("\nSHORTLIST_REQUIRE_DOCKER=1, but no test of the Docker image (marker"
              " `docker`) passed.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- Databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "shortlist.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


def _admin_engine():
    url = make_url(services.database_url()).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT"), url


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    services.need(services.postgres_problem())
    admin, url = _admin_engine()
    # Per session: several test runs may share one server (developers, helpers, CI).
    name = f"shortlist_test_template_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url.set(database=name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh database per test, copied from the migrated template."""
    admin, url = _admin_engine()
    name = f"shortlist_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_empty_url() -> Iterator[str]:
    """A fresh, empty database (for migration tests)."""
    services.need(services.postgres_problem())
    admin, url = _admin_engine()
    name = f"shortlist_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- Redis -----------------------------------------------------------------------------


@pytest.fixture
def redis_namespace(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test gets its own Redis key prefix, so test runs sharing a server never see
    (or flush) each other's queues."""
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("REDIS_NAMESPACE", namespace)
    reset_settings()
    return namespace


@pytest.fixture
def real_redis_url(redis_namespace: str) -> Iterator[str]:
    services.need(services.redis_problem())
    yield services.redis_url()
    client = redis.Redis.from_url(services.redis_url())
    keys = list(client.scan_iter(f"{redis_namespace}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


# --- A configured Shortlist ------------------------------------------------------------


class Stack:
    """Shortlist configured against one database and one broker, as a process would be."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, database_url: str,
                 redis_url: str | None, **overrides: object) -> None:
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("DATABASE_URL", database_url)
        if redis_url:
            monkeypatch.setenv("REDIS_URL", redis_url)
        for key, value in overrides.items():
            monkeypatch.setenv(key.upper(), str(value))
        reset_settings()
        self.settings = get_settings()
        self.engine = build_engine(self.settings)
        set_engine(self.engine)
        if redis_url is None:
            # A private in-process Redis per test: Dramatiq's real Lua scripts on fakeredis.
            monkeypatch.setattr("app.redis_client._fake_server", fakeredis.FakeServer())
        events.reset()
        self.broker = build_broker(self.settings)
        set_broker(self.broker)
        from actors.registry import declare_actors

        self.actors = declare_actors(self.broker, self.settings)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def worker(self, threads: int = 4) -> Iterator[dramatiq.Worker]:
        worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
        worker.start()
        try:
            yield worker
        finally:
            worker.stop(timeout=10_000)


@pytest.fixture
def one_rate_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """Hold the rate limits' clock in the middle of one window, so a test that counts
    requests never straddles a window boundary (the windows follow the wall clock)."""
    from types import SimpleNamespace

    from app.accounts import ratelimit
    frozen = (time.time() // 60) * 60 + 30.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: frozen))
    return frozen


def wait_until(predicate: Callable[[], object], timeout: float = 30.0,
               interval: float = 0.05, message: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def stack_factory(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Build a Stack on SQLite + fakeredis, and (integration) on PostgreSQL + real Redis."""
    if request.param == "sqlite":
        database_url, redis_url = request.getfixturevalue("sqlite_url"), None
    else:
        database_url = request.getfixturevalue("pg_url")
        redis_url = request.getfixturevalue("real_redis_url")

    def make(**overrides: object) -> Stack:
        return Stack(monkeypatch, database_url, redis_url, **overrides)

    return make


@pytest.fixture
def stack(stack_factory) -> Stack:
    return stack_factory()


@pytest.fixture
def pg_stack(monkeypatch: pytest.MonkeyPatch, pg_url: str, real_redis_url: str):
    def make(**overrides: object) -> Stack:
        return Stack(monkeypatch, pg_url, real_redis_url, **overrides)

    return make


REPO = Path(__file__).resolve().parent.parent


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a Shortlist subprocess: this one's, the settings given here."""
    # Not PYTEST_*: NiceGUI would think it runs under pytest and ignore PORT.
    env = {k: v for k, v in os.environ.items()
           if k not in _SETTING_VARS and not k.startswith("PYTEST_")}
    # The test's own Redis namespace, so the subprocess shares the test's queues.
    if os.environ.get("REDIS_NAMESPACE"):
        env["REDIS_NAMESPACE"] = os.environ["REDIS_NAMESPACE"]
    env.update({k.upper(): str(v) for k, v in extra.items()})
    env["PYTHONPATH"] = str(REPO)
    return env
