"""The Docker image, built and run as a deployment runs it.

podman builds it (tests/deploy/podman.sh: a stand-in base where no registry is reachable),
then containers of each role run against this machine's PostgreSQL (a database of the
test's own) and Redis (a namespace of its own) on the host network: release migrates, the
account and its API token come from the image's command line, web, worker and scheduler
start at once. Real resumes (PDFs of the shared corpus, a Word file and a text file made
here) go in through the API and must all finish; each role's HEALTHCHECK must pass, and
one that nothing in its container backs must not; every role must stop on SIGTERM within
10 s with exit code 0. Skips where podman cannot run, except in CI, which requires it.
"""

from __future__ import annotations

import io
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.engine.banner import version
from tests import services
from tests.chaos.fleet import free_port
from tests.conftest import REPO, wait_until

pytestmark = [pytest.mark.docker, pytest.mark.integration, pytest.mark.slow]

SCRIPT = REPO / "tests" / "deploy" / "podman.sh"
IMAGE = "localhost/shortlist-test:latest"
CORPUS = REPO.parent / "shared" / "corpus" / "resumes"
ROLES = {"web": ["python", "-m", "ui"], "worker": ["python", "-m", "actors"],
         "scheduler": ["python", "-m", "scheduler"]}
PASSWORD = "a-good-password"


def podman(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), "run", *args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def podman_problem() -> str | None:
    result = subprocess.run(["bash", str(SCRIPT), "check"], capture_output=True, text=True,
                            timeout=120)
    if result.returncode == 0:
        return None
    return f"podman cannot build and run the image here: {result.stdout.strip()}"


def resumes(tmp_path: Path) -> list[tuple[str, bytes]]:
    """Four real PDFs (one per profession, the first of each by name), a Word file, a text."""
    import docx

    if CORPUS.is_dir():
        pdfs = [sorted((CORPUS / c).glob("*.pdf"))[0]
                for c in ("ACCOUNTANT", "CHEF", "HR", "TEACHER")]
        files = [(f"{p.parent.name.lower()}-{p.name}", p.read_bytes()) for p in pdfs]
    else:  # no shared corpus beside this checkout: PDFs made here
        from fpdf import FPDF

        files = []
        for n in range(4):
            pdf = FPDF()
            pdf.add_page()
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 6, f"Person {n}\nAccountant, 6 years. GAAP, tax, payroll, Excel.")
            files.append((f"made-{n}.pdf", bytes(pdf.output())))
    word = docx.Document()
    word.add_paragraph("Dana Word\nSenior Accountant\nExperience: 2015 - 2024 ledger, tax.")
    buffer = io.BytesIO()
    word.save(buffer)
    files.append(("dana.docx", buffer.getvalue()))
    files.append(("tom.txt", b"Tom Text\nAccountant since 2018: GAAP, audits, payroll.\n"))
    return files


def test_the_image_runs_every_role(pg_empty_url, real_redis_url, redis_namespace, tmp_path):
    services.need(podman_problem())
    started = time.monotonic()
    build = subprocess.run(["bash", str(SCRIPT), "build", IMAGE], capture_output=True,
                           text=True, timeout=1800)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    built_s = time.monotonic() - started

    port = free_port()
    settings = {
        "DATABASE_URL": pg_empty_url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": real_redis_url, "REDIS_NAMESPACE": redis_namespace,
        "STORAGE_SECRET": "s" * 40, "PORT": str(port), "WORKER_PROCESSES": "1",
        "WORKER_THREADS": "2", "READER_PROCESSES": "1", "SWEEP_INTERVAL_S": "2",
        "WORKER_HEARTBEAT_S": "1"}
    env_args = [arg for name, value in settings.items() for arg in ("-e", f"{name}={value}")]
    names = {role: f"shortlist-test-{role}-{os.getpid()}" for role in ROLES}

    def container(*command: str, stdin: str = "") -> subprocess.CompletedProcess:
        return podman("run", "--rm", "-i", "--network", "host", *env_args, IMAGE, *command,
                      input=stdin)

    try:
        release = container("python", "-m", "app", "migrate")
        assert release.returncode == 0, release.stderr
        assert "Database is at revision 0" in release.stdout
        assert f"Shortlist {version()} release: upgrading the database" in release.stderr

        def start(role: str) -> subprocess.CompletedProcess:
            return podman("run", "-d", "--name", names[role], "--network", "host", *env_args,
                          IMAGE, *ROLES[role])

        with ThreadPoolExecutor(4) as pool:
            account = pool.submit(
                container, "sh", "-c", "python -m app create-user docker@example.com --plan"
                " premium && python -m app create-token docker@example.com",
                stdin=f"{PASSWORD}\n")
            runs = {role: pool.submit(start, role) for role in ROLES}
            for role, run in runs.items():
                assert run.result().returncode == 0, (role, run.result().stderr)
            assert account.result().returncode == 0, account.result().stderr
        token = account.result().stdout.strip().splitlines()[-1]

        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                              timeout=30)

        def healthy() -> bool:
            try:
                return client.get("/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout=90, interval=0.5, message="the web container")
        files = resumes(tmp_path)
        response = client.post("/api/v1/batches", data={
            "title": "Accountant", "description": "Accountant: GAAP, tax, payroll, audits.",
            "must_have": "GAAP"}, files=[("files", f) for f in files])
        assert response.status_code == 201, response.text
        batch = response.json()
        assert batch["total"] == len(files) == 6 and batch["rejected"] == []

        def finished() -> dict | None:
            body = client.get(f"/api/v1/batches/{batch['id']}").json()
            # The reports are written just after the last item: wait for them too.
            return body if body["finished"] and body["links"]["report_csv"] else None

        final = wait_until(finished, timeout=180, interval=0.5,
                           message="the batch to finish with its report")
        assert final["status"] == "done", final
        assert final["counts"] == {"pending": 0, "queued": 0, "running": 0, "done": 6,
                                   "failed": 0, "cancelled": 0}
        report = client.get(final["links"]["report_csv"])
        assert report.status_code == 200
        assert all(name in report.text for name, _ in files)

        # Each role's own check passes (the worker's and scheduler's once they have beaten)...
        for role in ROLES:
            wait_until(lambda role=role: podman("healthcheck", "run", names[role]).returncode
                       == 0, timeout=30, interval=1, message=f"the {role}'s health check")
        # ...and one that nothing in its container backs fails, though web answers nearby.
        alone = container("python", "-m", "app.engine.liveness")
        assert alone.returncode == 1 and "no process has said it is alive" in alone.stdout

        logs = {role: podman("logs", names[role]) for role in ROLES}
        starts = {role: f"Shortlist {version()} {role}: " for role in ROLES}
        for role, log in logs.items():
            assert starts[role] in log.stdout + log.stderr, (role, log.stdout[-2000:])
        assert f"pages and API on http://0.0.0.0:{port}" in logs["web"].stdout
        assert "1 processes x 2 threads on lanes critical, high, normal, low" in logs["worker"].stdout
        assert "lease_sweep every 2s" in logs["scheduler"].stdout

        # SIGTERM: each role stops by itself within 10 s (podman would SIGKILL after that).
        def stop(role: str) -> float:
            began = time.monotonic()
            assert podman("stop", "-t", "10", names[role], timeout=30).returncode == 0
            return time.monotonic() - began

        with ThreadPoolExecutor(3) as pool:
            stopped = dict(zip(ROLES, pool.map(stop, ROLES)))
        for role in ROLES:
            code = podman("inspect", "-f", "{{.State.ExitCode}}", names[role]).stdout.strip()
            assert (code, stopped[role] < 10) == ("0", True), (role, code, stopped[role])
            output = podman("logs", names[role])
            assert "Traceback" not in output.stdout + output.stderr, role
        print(f"\nimage built in {built_s:.1f}s; whole test {time.monotonic() - started:.1f}s;"
              " stopped after SIGTERM: "
              + ", ".join(f"{role} {seconds:.1f}s" for role, seconds in stopped.items()))
    finally:
        podman("rm", "-f", *names.values())
