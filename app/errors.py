"""Every error Shortlist raises on purpose.

One root, `ShortlistError`; its message is written for the person who will read it (a
recruiter in the web page, an integrator reading the API, an operator at the CLI). The
default message of each class is its docstring. `code` is the stable, machine-readable
name the API returns.
"""

from __future__ import annotations

# The root and the errors analysis raises live with the analysis, which imports nothing else.
from app.analysis.errors import DocumentError, InvalidInput, ShortlistError, TooLarge

__all__ = ["ConfigurationError", "Conflict", "DocumentError", "InvalidInput", "NotFound",
           "PermissionDenied", "QuotaExceeded", "ShortlistError", "TooLarge", "TransientError"]


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


class TransientError(ShortlistError):
    """A temporary problem; the item will be tried again."""

    code = "transient_error"


class ConfigurationError(ShortlistError):
    """The server is not configured correctly."""

    code = "configuration_error"
