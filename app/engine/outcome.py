"""Decide what an attempt's end means for its item: pure, so it is tested alone.

The worker runs the handler, turns its result or exception into an `Outcome` here, and
one call in `app.engine.processing` persists it.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from typing import Any

from dramatiq import Retry

from app.errors import DocumentError, InvalidInput, ShortlistError
from app.models import AttemptOutcome, ItemStatus


class Cancelled(Exception):
    """The batch was cancelled while this item ran (raised at a checkpoint)."""


class RetryItem(Retry):
    """The item went back to `queued`: the Retries middleware sends it again after a backoff.

    A `dramatiq.Retry`, so the worker does not log it as an unhandled error.
    """


GENERIC_FAILURE = "Something went wrong while processing this file."
CANCELLED_RUNNING = "Cancelled while it was being processed."


@dataclass(frozen=True)
class Outcome:
    status: ItemStatus
    error: str | None = None
    result: dict[str, Any] | None = None
    score: float | None = None
    # Handed back unfinished (the worker is shutting down): the attempt does not count.
    refund: bool = False
    # A failure that trying again could fix (False: a bad document or bad input).
    retryable: bool = True
    # An unexpected error's traceback, for the admin's view of the attempt.
    detail: str | None = None

    @property
    def retry(self) -> bool:
        return self.status == ItemStatus.queued

    @property
    def attempt_outcome(self) -> AttemptOutcome:
        """How the attempt ended, in the item's history."""
        if self.refund:
            return AttemptOutcome.handed_back
        if self.retry:
            return AttemptOutcome.retrying
        return AttemptOutcome(self.status.value)


@dataclass(frozen=True)
class Ending:
    """One attempt's end to persist: the item, its attempt (the fence), the outcome."""

    item_id: int
    attempts: int
    outcome: Outcome
    # The lease sweep's guard: only if the lease has expired.
    expired_only: bool = False


def _short(exc: BaseException) -> str:
    if isinstance(exc, ShortlistError):
        return exc.message
    return GENERIC_FAILURE


DETAIL_FRAMES = 15
DETAIL_MESSAGE_CHARS = 300
# user:password@ in a URL, and key=value pairs of secrets, as they appear in driver errors.
_CREDENTIALS = re.compile(r"(?<=://)[^/\s:@]+:[^@\s]+@")
_SECRET_PAIRS = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api_key)\s*[=:]\s*\S+")


def failure_detail(exc: BaseException) -> str:
    """An unexpected error as an admin may read it: where it happened (the last frames,
    code lines included) and its type and message, the message short and with
    credentials masked. No local variables, so no resume text beyond the message."""
    frames = traceback.extract_tb(exc.__traceback__)[-DETAIL_FRAMES:]
    message = _SECRET_PAIRS.sub(r"\1=***", _CREDENTIALS.sub("***@", str(exc)))
    if len(message) > DETAIL_MESSAGE_CHARS:
        message = message[:DETAIL_MESSAGE_CHARS] + "..."
    # The error first: the frames are indented, and a page shows the first line in full.
    return (f"{type(exc).__qualname__}: {message}\nTraceback (most recent call last):\n"
            + "".join(traceback.format_list(frames)).rstrip("\n"))


def decide(exc: BaseException | None, attempts: int, max_attempts: int, *,
           result: dict[str, Any] | None = None, score: float | None = None) -> Outcome:
    if exc is None:
        return Outcome(ItemStatus.done, result=result, score=score)
    if isinstance(exc, Cancelled):
        return Outcome(ItemStatus.cancelled, error=CANCELLED_RUNNING)
    # Retrying on its own cannot fix a bad document or bad input: fail at once, with the
    # reason. Whether a recruiter may try it again later is the error's to say (a
    # reading limit depends on the limits and the machine's load; a damaged file not).
    if isinstance(exc, DocumentError | InvalidInput):
        return Outcome(ItemStatus.failed, error=exc.message,
                       retryable=getattr(exc, "retryable", False))
    detail = None if isinstance(exc, ShortlistError) else failure_detail(exc)
    if attempts < max_attempts:
        return Outcome(ItemStatus.queued, error=_short(exc), detail=detail)
    return Outcome(
        ItemStatus.failed,
        error=f"{_short(exc)} Gave up after {attempts} attempts.", detail=detail,
    )


def handed_back() -> Outcome:
    """The worker stops (a deploy, a scale-down): the item is claimable again at once."""
    return Outcome(ItemStatus.queued, error=None, refund=True)


def crashed_outcome(attempts: int, max_attempts: int) -> Outcome:
    """An item whose lease expired: its worker died or hung while processing it."""
    if attempts < max_attempts:
        return Outcome(ItemStatus.queued, error="The worker stopped while processing this"
                       " file; it will be tried again.")
    return Outcome(
        ItemStatus.failed,
        error=f"The worker stopped while processing this file, {attempts} times."
              " The file may be too complex to process.",
    )
