"""`python -m actors`: the worker role (Procfile `worker`, the image's worker command).

Becomes `dramatiq actors.worker --processes WORKER_PROCESSES --threads WORKER_THREADS`
(exec: dramatiq takes this process's place, so it gets the stop signals, as PID 1 in a
container), so the sizes come from the settings wherever it runs, with or without a shell
to expand them. Further arguments go to dramatiq, e.g. `python -m actors --queues critical`.
"""

from __future__ import annotations

import os
import sys

from app.engine import banner, liveness
from app.logs import configure_logging
from app.settings import LANES, Settings, get_settings


def command(settings: Settings, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "dramatiq", "actors.worker",
            "--processes", str(settings.worker_processes),
            "--threads", str(settings.worker_threads), *extra]


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    configure_logging(settings)
    args = command(settings, sys.argv[1:] if argv is None else argv)
    # How long an idle consumer sleeps before fetching again: see the README's Processes.
    os.environ.setdefault("dramatiq_worker_timeout", "100")
    lanes = list(LANES)
    if "--queues" in args:
        given = args[args.index("--queues") + 1:]
        lanes = given[:next((i for i, a in enumerate(given) if a.startswith("-")), len(given))]
    banner.announce("worker", f"{settings.worker_processes} processes x"
                    f" {settings.worker_threads} threads on lanes {', '.join(lanes)}"
                    f" (dramatiq {' '.join(args[3:])})", settings)
    liveness.reset(settings)
    sys.stdout.flush()
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
