"""The errors resume analysis raises: the root of every error Shortlist raises on purpose,
and the few the analysis needs. Imports nothing, so app.analysis stays pure; app.errors
re-exports these and adds the rest.
"""

from __future__ import annotations


class ShortlistError(Exception):
    """Something went wrong."""

    code = "error"

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.details = details
        super().__init__(self.message)


class InvalidInput(ShortlistError):
    """This request is not valid."""

    code = "invalid_input"


class TooLarge(InvalidInput):
    """This is larger than allowed."""

    code = "too_large"


class DocumentError(ShortlistError):
    """This file could not be read.

    A permanent failure of one item: retrying cannot fix the file, so the item fails at
    once with this message, which the recruiter sees next to the file name.
    """

    code = "document_error"
    # Trying again cannot fix the file: it is not offered for retry.
    retryable = False


class ReadingLimit(DocumentError):
    """This file took more time or memory to read than allowed.

    Unlike its parent, not a verdict on the file alone: it depends on the limits and on
    how busy the machine was, so it is never kept as the file's reading, and it is worth
    trying again.
    """

    code = "document_error"
    retryable = True
