"""Every error Shortlist raises on purpose.

One root, `ShortlistError`; its message is written for the person who will read it (a
recruiter in the web page, an integrator reading the API, an operator at the CLI). The
default message of each class is its docstring. `code` is the stable, machine-readable
name the API returns.
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


class QuotaExceeded(InvalidInput):
    """This would go over your plan's limit."""

    code = "quota_exceeded"


class NotFound(ShortlistError):
    """We could not find that."""

    code = "not_found"


class PermissionDenied(ShortlistError):
    """You are not allowed to do that."""

    code = "permission_denied"


class Conflict(ShortlistError):
    """That cannot be done in the current state."""

    code = "conflict"


class DocumentError(ShortlistError):
    """This file could not be read.

    A permanent failure of one item: retrying cannot fix the file, so the item fails at
    once with this message, which the recruiter sees next to the file name.
    """

    code = "document_error"


class TransientError(ShortlistError):
    """A temporary problem; the item will be tried again."""

    code = "transient_error"


class ConfigurationError(ShortlistError):
    """The server is not configured correctly."""

    code = "configuration_error"
