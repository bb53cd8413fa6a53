"""The Procfile and the Dockerfile say what the deployment needs (no Docker engine here,
so the image itself is checked on a machine that has one; these are the static promises)."""

import re

from tests.conftest import REPO


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_roles():
    roles = procfile()
    assert set(roles) == {"release", "web", "worker", "scheduler"}
    assert roles["release"] == "python -m app migrate"
    assert roles["web"] == "python -m ui"
    assert roles["scheduler"] == "python -m scheduler"
    assert roles["worker"] == (
        "dramatiq_worker_timeout=100 dramatiq actors.worker --processes ${WORKER_PROCESSES:-2}"
        " --threads ${WORKER_THREADS:-8}")


def test_dockerfile_is_small_non_root_and_healthchecked():
    text = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages and all(s.startswith("python:3.11-slim") for s in stages)
    final = text.split("\nFROM ")[-1]
    assert re.search(r"^USER (?!root)\w+", final, re.M), "the final stage runs as a user"
    assert "HEALTHCHECK" in final and "/healthz" in final
    assert "PORT" in final
    # Workers poll a full or empty queue at least every 100 ms (Dramatiq's default: 1 s).
    assert "dramatiq_worker_timeout=100" in final
    assert not re.search(r"gcc|build-essential", final)  # runtime packages only (tesseract-ocr)
    dockerignore = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", "tests"} <= set(dockerignore)
