"""Admin dashboard: the overview view (to be built)."""

from __future__ import annotations


def register() -> None:
    """Declare this view's page (none yet)."""
