"""Small helpers for the web app's tests: resumes to upload, signing in, uploading."""

from __future__ import annotations

import asyncio
import csv
import io

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing.user import User
from nicegui.testing.user_interaction import UserInteraction

from tests.analysis import factories
from tests.conftest import wait_until
from tests.engine.helpers import load, wait_finished

OPENING = {
    "title": "Backend Engineer",
    "description": "We build services in Python on PostgreSQL, shipped with Docker.",
    "must_have": ["Python", "PostgreSQL"],
    "nice_to_have": ["Kubernetes"],
    "min_years": 3,
}


def resume_txt(name: str, skills: str, years: str = "2015 - Present") -> bytes:
    """A tiny plain-text resume with the given skills line."""
    return (f"{name}\nEngineer\n{name.split()[0].lower()}@example.com\n\nExperience\n"
            f"Acme - Engineer, {years}\n\nSkills\n{skills}\n").encode()


def resume_docx(text: str) -> bytes:
    return factories.make_docx(text)


def wait_reported(batch_id, timeout: float = 60.0):
    """Wait until the batch finished and its finalize step wrote the summary and reports."""
    wait_finished(batch_id, timeout=timeout)
    return wait_until(lambda: (b := load(batch_id)).summary is not None and b, timeout=timeout,
                      message=f"the reports of batch {batch_id}")


def upload_of(name: str, data: bytes) -> SmallFileUpload:
    return SmallFileUpload(name, "application/octet-stream", data)


async def sign_in(user: User, email: str, password: str, *, expect_success: bool = True,
                  path: str = "/signin") -> None:
    """Sign in through the form; wait until the app moved on (or showed why not)."""
    await user.open(path)
    user.find(marker="email").type(email)
    user.find(marker="password").type(password)
    user.find(marker="sign-in").click()
    button = next(iter(user.find(marker="sign-in").elements))
    for _ in range(100):  # argon2 runs in a thread: give it time
        await asyncio.sleep(0.05)
        if expect_success and user.back_history[-1] != path:
            return
        if not expect_success and button.enabled and not button.is_deleted:
            return
    raise AssertionError(f"signing in as {email} did not finish")


async def upload(user: User, files: dict[str, bytes]) -> None:
    """Drop files on the New screening page as the browser would post them."""
    element = next(iter(user.find(kind=ui.upload).elements))
    await element.handle_uploads([upload_of(n, d) for n, d in files.items()])


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def texts(user: User, marker: str) -> list[str]:
    """Every text shown inside the element with this marker, in page order."""
    root = next(iter(user.find(marker=marker).elements))
    return [e.text for e in root.descendants() if isinstance(getattr(e, "text", None), str)
            and e.text]


def star(user: User, skill: str) -> UserInteraction:
    """The star of one suggested skill on the New screening page (makes it a must-have)."""
    stars = {e for e in user.find(kind=ui.button, marker="make-must").elements
             if e.props.get("aria-label") == f"Make {skill} a must-have"}
    assert len(stars) == 1, f"no star for {skill}"
    return UserInteraction(user, stars, None)
