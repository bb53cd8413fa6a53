"""`python -m app serve`: everything in one process (web, an in-process worker, scheduler).

This is the one composition root that reaches up into `ui`, `actors` and `scheduler`;
it imports them inside the function so that nothing else in `app` depends on them.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading

from app import migrate
from app.accounts import users
from app.engine import banner, liveness
from app.settings import Settings


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
            f" {email}`).\n  The first sign-in asks you to choose your own password.\n",
            file=sys.stderr, flush=True,
        )


class Background:
    """The in-process worker and scheduler, imported and started in a thread once the web
    process serves: the first page does not wait for them (their imports took half a
    second of the start). Stopping waits for a start still under way."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.thread: threading.Thread | None = None
        self.worker = self.housekeeping = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._start, name="embedded-start", daemon=True)
        self.thread.start()

    def _start(self) -> None:
        from actors.embedded import EmbeddedWorker
        from scheduler.runner import EmbeddedScheduler

        worker = EmbeddedWorker(self.settings)
        worker.start()
        self.worker = worker
        housekeeping = EmbeddedScheduler(self.settings)
        housekeeping.start()
        self.housekeeping = housekeeping

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=60)
        if self.housekeeping is not None:
            self.housekeeping.stop()
        if self.worker is not None:
            self.worker.stop()


def main(settings: Settings) -> None:
    # Before NiceGUI is imported: it reads where to keep sessions once.
    for name, value in settings.web_storage_environment().items():
        os.environ.setdefault(name, value)
    from ui.web import run

    prepare(settings)
    secret = settings.storage_secret or (
        embedded_storage_secret(settings) if settings.embedded_database else None
    )
    background = Background(settings)
    banner.announce("serve", f"web app, worker and scheduler in one process on"
                    f" http://{settings.host}:{settings.port}", settings)
    liveness.reset(settings)
    liveness.announce("web", url=liveness.health_url(settings), settings=settings)
    run(
        settings,
        storage_secret=secret,
        on_startup=[background.start],
        on_shutdown=[background.stop],
    )
