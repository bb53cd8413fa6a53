"""A Shortlist process a test starts (`python -m app serve`, `python -m ui`): its console
is collected by a thread, and it is stopped as its operator would stop it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import subprocess_env
from tests.test_serve import free_port


class ShortlistProcess:
    def __init__(self, args: list[str], cwd: Path, *, stop_signal: int = signal.SIGTERM,
                 **settings: object) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.stop_signal = stop_signal
        env = subprocess_env(PORT=self.port, HOST="127.0.0.1", **settings)
        self.proc = subprocess.Popen([sys.executable, "-m", *args], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout),
                                        daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        self.proc.send_signal(self.stop_signal)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
