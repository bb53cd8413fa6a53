"""The Procfile, the Dockerfile, compose.yaml and requirements.lock say the same thing about
the deployment (tests/deploy/test_docker_image.py builds and runs the image itself)."""

import re
import shlex
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_roles():
    # No shell needed: each is one command, the same in the image and in compose.yaml.
    assert procfile() == {"release": "python -m app migrate", "web": "python -m ui",
                          "worker": "python -m actors", "scheduler": "python -m scheduler"}


def test_the_worker_command_sizes_dramatiq_from_the_settings(monkeypatch):
    import sys

    from actors.__main__ import command
    from app.settings import Settings

    monkeypatch.setenv("WORKER_PROCESSES", "3")
    monkeypatch.setenv("WORKER_THREADS", "5")
    assert command(Settings(), ["--queues", "critical"]) == [
        sys.executable, "-m", "dramatiq", "actors.worker", "--processes", "3", "--threads", "5",
        "--queues", "critical"]


def test_dockerfile_is_small_pinned_non_root_and_healthchecked():
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim(@sha256:[0-9a-f]{64})?$", text, re.M)
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages and set(stages) == {"${PYTHON_IMAGE}"}
    final = text.split("\nFROM ")[-1]
    assert re.search(r"^USER (?!root)\w+", final, re.M), "the final stage runs as a user"
    assert 'CMD ["python", "-m", "app.engine.liveness"]' in final and "HEALTHCHECK" in final
    assert "PORT" in final and "VOLUME /data" in final and "DATA_DIR=/data" in final
    # Workers poll a full or empty queue at least every 100 ms (Dramatiq's default: 1 s).
    assert "dramatiq_worker_timeout=100" in final
    assert not re.search(r"gcc|build-essential", final)  # runtime packages only (tesseract-ocr)
    # Dependencies from the lock, in a layer before any code; no pip at run time.
    assert text.index("-c /src/requirements.lock") < text.index("COPY app")
    assert "pip uninstall -y -q pip setuptools" in text
    dockerignore = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", "tests"} <= set(dockerignore)


def test_compose_runs_the_procfile_roles_with_their_servers():
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    roles = procfile()
    assert set(services) == set(roles) | {"postgres", "redis"}
    for role, command in roles.items():
        assert services[role]["command"] == shlex.split(command), role
        assert services[role]["image"] == "shortlist" and services[role]["build"] == "."
        env = services[role]["environment"]
        assert env["DATABASE_URL"].endswith("@postgres:5432/shortlist")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
    # The one-shot migrates first and has no health to check; the others wait for it.
    assert services["release"]["healthcheck"] == {"disable": True}
    assert services["release"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("web", "worker", "scheduler"):
        assert services[role]["depends_on"]["release"]["condition"] == (
            "service_completed_successfully")
    assert services["web"]["ports"] == ["${PORT:-8080}:8080"]


def test_the_lock_pins_every_dependency_within_its_range():
    """Refresh it as the README's "Dependencies" says when pyproject.toml changes."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in
              project["dependencies"] + project["optional-dependencies"]["dev"]]
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned and ";" not in pinned, f"not an exact pin: {line}"
            pins[canonicalize_name(name)] = pinned
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock has {requirement.name}=={pins[name]}, outside {requirement}")
    # Nothing of the tools pip uses to install is pinned: the image removes them.
    assert "pip" not in pins and "setuptools" not in pins
