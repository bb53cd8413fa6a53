"""The watchdog stops runaway pure-Python work in the calling thread, in any thread."""

from __future__ import annotations

import threading
import time

import pytest

from app.analysis import messages
from app.analysis.timelimit import run_with_time_limit
from app.errors import DocumentError


def _spin() -> None:
    while True:
        pass


def test_returns_the_result_within_the_limit() -> None:
    assert run_with_time_limit(lambda: 42, 5.0) == 42


def test_stops_endless_work() -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        run_with_time_limit(_spin, 0.2)
    assert caught.value.message == messages.too_slow(0.2)
    assert 0.15 < time.monotonic() - started < 2


def test_works_in_a_worker_thread() -> None:
    outcome: list[BaseException | None] = []

    def worker() -> None:
        try:
            run_with_time_limit(_spin, 0.2)
            outcome.append(None)
        except DocumentError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], DocumentError)


def test_nothing_fires_after_work_that_finished_in_time() -> None:
    assert run_with_time_limit(lambda: "done", 0.05) == "done"
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # Python bytecode, where a stray exception would land
        pass


def test_parser_errors_pass_through() -> None:
    def broken() -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError):
        run_with_time_limit(broken, 1.0)


def test_no_limit_when_not_positive() -> None:
    assert run_with_time_limit(lambda: 1, 0) == 1
    assert run_with_time_limit(lambda: 2, None) == 2
