"""A real process set for fault tests: worker "dynos" that a supervisor restarts when they
die (as a Procfile host does), a scheduler process, and a private Redis server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Dyno:
    """One `dramatiq actors.worker` command, restarted by its supervisor when it exits."""

    def __init__(self, env: dict, threads: int = 4, restart: bool = True,
                 modules: tuple[str, ...] = ()) -> None:
        self.env, self.threads, self.restart = env, threads, restart
        self.modules = modules  # more modules for the worker to load (test kinds)
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> Dyno:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        self.starts += 1
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "actors.worker", *self.modules,
             "--processes", "1", "--threads", str(self.threads)],
            cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def _supervise(self) -> None:
        while not self._stop.is_set():
            if self.proc.poll() is not None and self.restart and not self._stop.is_set():
                time.sleep(0.5)
                self._spawn()
            self._stop.wait(0.2)

    def kill_child(self) -> bool:
        """SIGKILL the worker process (the CLI's child), as an out-of-memory kill would."""
        victims = children(self.proc.pid) if self.proc and self.proc.poll() is None else []
        if not victims:
            return False
        os.kill(victims[0], signal.SIGKILL)
        return True

    def stop(self) -> None:
        self._stop.set()
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class SchedulerProcess:
    def __init__(self, env: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class PrivateRedis:
    """A redis-server of the test's own, so killing it disturbs nobody else."""

    def __init__(self, tmp_path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.kill()
