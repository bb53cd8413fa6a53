"""The work an item does, keyed by the batch's kind.

A new kind of work is one module that registers a `Kind`; the engine (submission,
dispatch, processing, finalizing) never changes for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import InvalidInput


@dataclass(frozen=True)
class ItemWork:
    """What a handler gets: the item, its batch's parameters, and two callables."""

    item_id: int
    batch_id: uuid.UUID
    seq: int
    name: str
    attempt: int
    params: dict[str, Any]
    # Reads the item's document from the database only when the handler needs it; raises
    # `Cancelled` if the batch was cancelled meanwhile (a checkpoint comes with it).
    load_document: Callable[[], bytes]
    # Raises `Cancelled` if the batch was cancelled meanwhile: call it between steps.
    checkpoint: Callable[[], None]
    # What an earlier item read from the same document (a re-screen), if the reading code
    # was `version`: (data, when it was read); None otherwise (app.engine.readings).
    load_reading: Callable[[str], tuple[dict[str, Any], datetime] | None] = (
        lambda version: None)
    # Keeps what this item read from its document, for the next screening of it.
    save_reading: Callable[[str, dict[str, Any]], None] = lambda version, data: None


@dataclass(frozen=True)
class ItemResult:
    result: dict[str, Any] | None = None
    # What the shortlist ranks by (higher first); None for kinds that do not rank.
    score: float | None = None


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class FinishedItem:
    seq: int
    name: str
    status: str
    error: str | None
    score: float | None
    result: dict[str, Any] | None
    # The hiring team's report columns (status, starred, tags, notes), when asked for.
    team: tuple | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    handle: Callable[[ItemWork], ItemResult]
    # Checks and normalises the batch parameters at submission; raises InvalidInput.
    validate_params: Callable[[dict[str, Any]], dict[str, Any]]
    needs_documents: bool = False
    # For operators (benchmarks, tests): refused to non-admins except from the CLI.
    operator_only: bool = False
    # Builds the batch's report files (CSV, XLSX, ...) from its finished items.
    build_reports: Callable[[dict[str, Any], list[FinishedItem]], list[ReportFile]] | None = None
    # Runs in the finalizing transaction (a connection, the batch's id): the resume kind
    # links the screening's people to the owner's pool (app.engine.pool).
    after_finalize: Callable[[Any, uuid.UUID], Any] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    load_builtin()
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput(
            f"Unknown kind of batch {name!r}: use one of {', '.join(sorted(KINDS))}."
        ) from None


def load_builtin() -> None:
    """Register the built-in kinds (a worker process does it at boot: importing the
    resume analysis takes about half a second, which its first items would wait)."""
    # Imported here, not at the top: they import this module. Python imports them once.
    from app.engine.kinds import noop, resume  # noqa: F401  (they register themselves)
