from __future__ import annotations

from datetime import date

import pytest

from . import factories

TODAY = date(2024, 6, 15)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture(scope="session")
def zip_bomb_200mb() -> bytes:
    # Built once: 200 MB of spaces streamed through the compressor, ~0.2 MB on disk.
    return factories.zip_bomb(200 * 1024 * 1024)
