"""The worker fleet of a benchmark: `dramatiq` worker processes (or, embedded, threads of
this process), and what they cost: peak memory and CPU, read from /proc while they run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dramatiq

from app.engine.broker import get_broker

WORKER_TIMEOUT_MS = "100"
REPO = Path(__file__).resolve().parents[2]

DeclareActors = Callable[[dramatiq.Broker, Any], None]


class Fleet:
    """Worker processes (`dramatiq MODULE -p P -t T`) or, embedded, in-process threads."""

    def __init__(self, module: str, processes: int, threads: int, queues: list[str],
                 embedded: bool, env: dict[str, str] | None = None) -> None:
        self.module, self.processes, self.threads = module, processes, threads
        self.queues, self.embedded, self.env = queues, embedded, env or {}
        self.proc: subprocess.Popen | None = None
        self.worker: dramatiq.Worker | None = None
        self.peak_rss_kb = 0
        # A worker process with its descendants (the readers' fork server and the readers),
        # summed as proportional set sizes: readers forked from one server share its pages,
        # and RSS would count them once per reader.
        self.peak_family_pss_kb = 0
        self.peak_child_rss_kb = 0  # the largest single descendant (a reader)
        # CPU seconds each worker process and each of their children used, last seen.
        self.cpu_s: dict[int, tuple[str, float]] = {}
        self._sampling = threading.Event()

    def start(self) -> None:
        if self.embedded:
            self.worker = dramatiq.Worker(get_broker(), worker_threads=self.threads,
                                          worker_timeout=int(WORKER_TIMEOUT_MS),
                                          queues=set(self.queues))
            self.worker.start()
            return
        # The Procfile's worker settings, for the bare actor and for Shortlist alike.
        env = {"dramatiq_worker_timeout": WORKER_TIMEOUT_MS, **os.environ, **self.env,
               "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", self.module, "--processes", str(self.processes),
             "--threads", str(self.threads), "--queues", *self.queues],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready()
        threading.Thread(target=self._sample_rss, daemon=True).start()

    def _children(self) -> list[int]:
        return _child_pids(self.proc.pid)

    def _wait_ready(self, timeout: float = 60.0) -> None:
        """Until every worker process has registered its consumers with the broker."""
        client = get_broker().client
        key = f"{get_broker().namespace}:__heartbeats__"
        since_ms = int(time.time() * 1000)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.module} workers exited at start")
            # Brokers that beat since we started them (older entries may be dead ones).
            if len(self._children()) >= self.processes and \
                    client.zcount(key, since_ms, "+inf") >= self.processes:
                time.sleep(0.5)  # let every consumer thread start polling
                return
            time.sleep(0.1)
        raise RuntimeError(f"the {self.module} workers did not start in {timeout:.0f}s")

    def _sample_rss(self) -> None:
        rounds = 0
        while not self._sampling.is_set() and self.proc and self.proc.poll() is None:
            # PSS makes the kernel walk a process's pages: once a second, not at every round.
            with_pss = rounds % 5 == 0
            rounds += 1
            for pid in self._children():
                own = _rss_kb(pid)
                self._note_cpu(pid, "workers")
                kids = _descendant_pids(pid)  # the readers' fork server and the readers
                for child in kids:
                    self._note_cpu(child, "readers")
                children = [_rss_kb(child) for child in kids]
                self.peak_child_rss_kb = max([self.peak_child_rss_kb, *children])
                self.peak_rss_kb = max(self.peak_rss_kb, own)
                if with_pss:
                    family = _memory_kb(pid, "Pss") + sum(_memory_kb(c, "Pss") for c in kids)
                    self.peak_family_pss_kb = max(self.peak_family_pss_kb, family)
            self._sampling.wait(0.2)

    def _note_cpu(self, pid: int, role: str) -> None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return  # it just ended: its last sample stands
        self.cpu_s[pid] = (role, (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS)

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds used so far by the worker processes and by their children."""
        totals = {"workers": 0.0, "readers": 0.0}
        for role, seconds in list(self.cpu_s.values()):
            totals[role] += seconds
        return totals

    def stop(self) -> None:
        self._sampling.set()
        if self.worker is not None:
            self.worker.stop(timeout=10_000)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendant_pids(pid: int) -> list[int]:
    found, todo = [], _child_pids(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(_child_pids(child))
    return found


def _child_pids(pid: int) -> list[int]:
    """Children of `pid`, read from /proc (a pgrep each time cost the sampled machine
    a tenth of a core)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found.extend(int(p) for p in
                         Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    except OSError:
        pass  # it just ended
    return found


def _rss_kb(pid: int) -> int:
    return _memory_kb(pid, "VmRSS", "status")


def _memory_kb(pid: int, field: str, source: str = "smaps_rollup") -> int:
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass  # it just ended
    return 0
