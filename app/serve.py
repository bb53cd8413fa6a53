"""`python -m app serve`: everything in one process (web, an in-process worker, scheduler).

This is the one composition root that reaches up into `ui`, `actors` and `scheduler`;
it imports them inside the function so that nothing else in `app` depends on them.
"""

from __future__ import annotations

import logging
import secrets
import sys

from app import migrate
from app.accounts import users
from app.settings import Settings

log = logging.getLogger("shortlist.serve")


def embedded_storage_secret(settings: Settings) -> str:
    """Generate the cookie secret once and keep it in the data folder."""
    path = settings.data_dir / "storage_secret"
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret


def prepare(settings: Settings) -> None:
    """Create the data folder, migrate, and on a new installation create the first admin."""
    if settings.embedded_database:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade()
    created = users.ensure_first_admin()
    if created:
        email, password = created
        # Printed once, on the console only (stderr, one block apart from the logs): the
        # password is stored hashed.
        print(
            f"\n  First start: an admin account was created.\n"
            f"    email:    {email}\n    password: {password}\n"
            f"  Keep it now; it will not be shown again (lost: `python -m app set-password"
            f" {email}`).\n",
            file=sys.stderr, flush=True,
        )


def main(settings: Settings) -> None:
    from actors.embedded import EmbeddedWorker
    from scheduler.runner import EmbeddedScheduler
    from ui.web import run

    prepare(settings)
    secret = settings.storage_secret or (
        embedded_storage_secret(settings) if settings.embedded_database else None
    )
    worker = EmbeddedWorker(settings)
    housekeeping = EmbeddedScheduler(settings)
    log.info(
        "serving on http://%s:%s (database: %s, broker: %s)",
        settings.host, settings.port,
        "SQLite (embedded)" if settings.embedded_database else "PostgreSQL",
        "embedded" if settings.embedded_broker else "Redis",
    )
    run(
        settings,
        storage_secret=secret,
        on_startup=[worker.start, housekeeping.start],
        on_shutdown=[housekeeping.stop, worker.stop],
    )
