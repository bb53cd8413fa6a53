"""The worker heartbeat: each worker process reports itself to Redis for the admin dashboard.

One thread per worker process (not per worker thread) writes a report every
WORKER_HEARTBEAT_S seconds (format and reader: app/workers.py). The items being processed
are tracked in memory by the message hooks (a dict assignment and a pop: no Redis call
per message); the thread sends whatever is current at each beat. Each report that reaches
Redis also renews the process's sign of life for the container's health check
(app.engine.liveness), so a container turns unhealthy when the dashboard would say `lost`.

Dramatiq forks its worker processes, so the thread starts in `after_worker_boot` (in the
child, after the fork) and stops in `before_worker_shutdown`, which also writes a last
report saying `stopped`: a cleanly stopped worker is never shown as lost.

A SIGTERM sent to the whole process group (what Procfile hosts do on every restart, and
`kill -TERM -PGID`) reaches a `dramatiq` worker process twice: directly, and forwarded by
the dramatiq main process. Dramatiq takes the second one as "kill now" and exits before
`before_worker_shutdown` runs. So in a `dramatiq` worker process the heartbeat also says
goodbye from the signal itself, before handing it on to dramatiq.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

import dramatiq
from dramatiq.middleware import Middleware

from app.admin import workers
from app.engine import liveness
from app.engine.dispatch import ITEM_ACTOR_PREFIX
from app.settings import LANES, get_settings

log = logging.getLogger("shortlist.heartbeat")
# The signals dramatiq's worker processes stop on.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Heartbeat(Middleware):
    def __init__(self, heartbeat_s: float | None = None,
                 lost_after_s: float | None = None) -> None:
        settings = get_settings()
        self.heartbeat_s = heartbeat_s or settings.worker_heartbeat_s
        self.lost_after_s = lost_after_s or settings.worker_lost_after_s
        # id of the message (the same proxy object reaches every hook of one delivery)
        # -> (item id, since): written by worker threads, read by the beat.
        self._current: dict[int, tuple[int, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: dramatiq.Worker | None = None
        self._broker: dramatiq.Broker | None = None
        self._started_at = 0.0
        self.beats = 0  # reports written (for tests)
        self._failing = False
        self._write_lock = threading.RLock()  # the signal handler may interrupt a beat
        self._stopped = False  # the last report said `stopped`: write no more

    # --- Message hooks: in memory only --------------------------------------------------

    def before_process_message(self, broker, message) -> None:
        if message.actor_name.startswith(ITEM_ACTOR_PREFIX):
            self._current[id(message)] = (message.args[0], time.time())

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self._current.pop(id(message), None)

    def after_skip_message(self, broker, message) -> None:
        self._current.pop(id(message), None)

    # --- Process hooks ------------------------------------------------------------------

    def before_worker_boot(self, broker, worker) -> None:
        # Not later: worker threads start taking messages before after_worker_boot runs.
        self._current.clear()

    def after_worker_boot(self, broker, worker) -> None:
        self.stop_beating()  # one thread per process, even if a worker is started twice
        self._broker, self._worker = broker, worker
        self._started_at = time.time()
        self._stop.clear()
        self._stopped = False
        self._beat()  # at once: the dashboard shows the worker before its first interval
        self._thread = threading.Thread(target=self._run, name="shortlist-heartbeat",
                                        daemon=True)
        self._thread.start()
        self._say_goodbye_on_signals()

    def before_worker_shutdown(self, broker, worker) -> None:
        if self.stop_beating() or self._stopped:
            self._stopped = False
            self._beat(state=workers.STOPPED)  # again, now with nothing current

    def stop_beating(self) -> bool:
        """Stop the thread; returns whether one was running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return False
        self._stop.set()
        thread.join(timeout=max(1.0, self.heartbeat_s * 2))
        return True

    def _say_goodbye_on_signals(self) -> None:
        """In a `dramatiq` worker process only (its own handlers are installed): chain ours
        in front of them. Elsewhere (the web process's embedded worker) signals belong to
        the server and are left alone."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in STOP_SIGNALS:
            previous = signal.getsignal(signum)
            if getattr(previous, "__module__", None) != "dramatiq.cli":
                continue

            def goodbye(number, frame, previous=previous):
                if not self._stopped:
                    # A second signal may follow at once; let it wait for our report.
                    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
                    try:
                        self._stop.set()
                        self._beat(state=workers.STOPPED)
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                previous(number, frame)

            signal.signal(signum, goodbye)

    # --- The beat -----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            self._beat()

    def _lanes(self) -> list[str]:
        worker = self._worker
        queues = (worker.consumer_whitelist if worker is not None and worker.consumer_whitelist
                  else self._broker.get_declared_queues())
        return [lane for lane in LANES if lane in queues]

    def _snapshot(self) -> list[tuple[int, float]]:
        # Worker threads change the dict meanwhile; copying it rarely races, never twice.
        for _ in range(3):
            try:
                return list(self._current.values())
            except RuntimeError:
                continue
        return []

    def _beat(self, state: str = workers.RUNNING) -> None:
        with self._write_lock:
            if self._stopped and state == workers.RUNNING:
                return  # said goodbye already; a late beat must not undo it
            self._write(state)
            if state == workers.STOPPED:
                self._stopped = True
                liveness.withdraw("worker")

    def _write(self, state: str) -> None:
        try:
            workers.write_report(
                self._broker.client, worker_id=workers.this_worker_id(),
                host=socket.gethostname(), pid=os.getpid(), lanes=self._lanes(),
                threads=self._worker.worker_threads, started_at=self._started_at,
                current=self._snapshot(), heartbeat_s=self.heartbeat_s,
                lost_after_s=self.lost_after_s, state=state,
                broker_id=getattr(self._broker, "broker_id", None))
        except Exception as exc:  # noqa: BLE001  (Redis down: try again at the next beat)
            if not self._failing:
                log.warning("could not write the worker heartbeat: %s", exc)
            self._failing = True
            return
        if self._failing:
            log.info("worker heartbeat written again")
        self._failing = False
        self.beats += 1
        if state == workers.RUNNING:
            # The container's health check: stale when the dashboard would say `lost`.
            liveness.announce("worker", max_age_s=self.lost_after_s)


def install(broker: dramatiq.Broker) -> Heartbeat:
    """Add the heartbeat to `broker` once (the embedded worker may start more than once)."""
    for middleware in broker.middleware:
        if isinstance(middleware, Heartbeat):
            return middleware
    heartbeat = Heartbeat()
    broker.add_middleware(heartbeat)
    return heartbeat
