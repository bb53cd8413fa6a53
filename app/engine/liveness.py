"""Health of a container's own processes: each role writes that it is alive into a small
file, and `python -m app.engine.liveness` (the Docker image's HEALTHCHECK) reads those files.

Why files, not a port or Redis: a check must judge its own container only. Asking a web
port passed a worker's check whenever a web process listened on the same (host) network,
and the workers' reports in Redis name a host and a pid that two containers sharing the
host's network can both have. A file in the container's own filesystem is its own.

Only where HEALTH_DIR is set (the image sets it) does anything get written. Each process
keeps `<HEALTH_DIR>/<role>-<pid>.json` (role, pid, and either the longest time between
two beats or a URL to ask) and writes it again at each beat:
- a worker process at each heartbeat that reached Redis (actors/heartbeat.py): stale
  after WORKER_LOST_AFTER_S, when the dashboard would show it as lost;
- the scheduler at each job run whose lock check reached the database;
- the web process once at start, with its /healthz URL, which the check then asks.
The check passes when at least one file exists and every one is fresh (and every URL
answers 200). A process that stops cleanly removes its file; one that dies leaves it to
go stale, so the container turns unhealthy. The first process of a container clears the
folder (`reset`): files of a previous run are not its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

from app.settings import Settings, get_settings

CHECK_TIMEOUT_S = 4.0


def folder(settings: Settings | None = None) -> Path | None:
    return (settings or get_settings()).health_dir


def _path(directory: Path, role: str) -> Path:
    return directory / f"{role}-{os.getpid()}.json"


def reset(settings: Settings | None = None) -> None:
    """At the start of a container's main process: forget the files of an earlier run."""
    directory = folder(settings)
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for path in [*directory.glob("*.json"), *directory.glob("*.tmp")]:
        path.unlink(missing_ok=True)


def announce(role: str, *, max_age_s: float | None = None, url: str | None = None,
             settings: Settings | None = None) -> None:
    """Say this process is alive: beat at least every `max_age_s`, or answer at `url`."""
    directory = folder(settings)
    if directory is None:
        return
    path = _path(directory, role)
    partial = path.with_name(f"{path.stem}.{threading.get_ident()}.tmp")  # threads race
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"role": role, "pid": os.getpid(),
                                       "max_age_s": max_age_s, "url": url}))
        partial.replace(path)  # never a half-written file for the check to read
    except OSError:
        pass  # never stops the process: its health check reports it (stale or missing)


def withdraw(role: str, settings: Settings | None = None) -> None:
    directory = folder(settings)
    if directory is not None:
        _path(directory, role).unlink(missing_ok=True)


def health_url(settings: Settings) -> str:
    """The web process's /healthz, asked from inside its container."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/healthz"


def _answers(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=CHECK_TIMEOUT_S) as response:
            return None if response.status == 200 else f"answered {response.status}"
    except OSError as exc:
        return f"does not answer ({exc})"


def check(directory: Path, now: float | None = None) -> tuple[bool, list[str]]:
    """Whether every process that said it is alive still is, and one line for each."""
    now = time.time() if now is None else now
    lines, ok = [], True
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    for path in files:
        try:
            entry = json.loads(path.read_text())
            age = now - path.stat().st_mtime
        except (OSError, ValueError):
            continue  # removed (a clean stop) while we looked
        name = f"{entry['role']} (pid {entry['pid']})"
        if entry.get("url"):
            problem = _answers(entry["url"])
            lines.append(f"{name}: {entry['url']} {problem or 'answers'}")
        else:
            limit = float(entry["max_age_s"])
            problem = f"last beat {age:.0f}s ago, over {limit:.0f}s" if age > limit else None
            lines.append(f"{name}: {problem or f'beat {age:.0f}s ago'}")
        ok = ok and problem is None
    if not lines:
        return False, [f"no process has said it is alive in {directory} yet"]
    return ok, lines


def main() -> int:
    directory = folder()
    if directory is None:
        print("HEALTH_DIR is not set: no process writes that it is alive.", file=sys.stderr)
        return 1
    ok, lines = check(directory)
    print(("healthy: " if ok else "unhealthy: ") + "; ".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
