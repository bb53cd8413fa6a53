"""Documents are read in child processes: a small pool owned by each worker process.

PDFium (the PDF reader) is C: not thread-safe (no two calls at once in one process), deaf
to a Python time limit, and a crash in it would end the worker with every item it holds.
So the worker's threads never read a document themselves: each hands the bytes to a
reader process, which reads, profiles and matches it (`app.analysis.analyze` as a whole:
bytes, name and opening in, the Analysis as a dict out) and sends the result back.

A reader is killed and replaced when it runs past the time limit, and it cannot take more
memory than `reader_memory_mb` (RLIMIT_AS, set in the child). A reader that crashed, or
failed for want of memory, is replaced too, and so is one that has read
`reader_max_documents` documents. Only the document it was reading fails, with a message
a recruiter understands. Readers are started on first use, forked from a fork server
(a threaded process must not fork itself; see `_reader_context`), and stopped when the
worker stops (actors.shutdown).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import tempfile
import threading
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

from app.analysis import Analysis, Opening
from app.analysis.errors import DocumentError, ReadingLimit
from app.analysis.messages import READER_STOPPED, too_much_memory, too_slow
from app.settings import Settings, get_settings

log = logging.getLogger("shortlist.readers")
# How much longer than the reading's own time limit a reader gets before it is killed:
# the Python readers stop themselves at the limit and say so; PDFium cannot.
KILL_GRACE_S = 2.0
START_TIMEOUT_S = 60.0


def analyze_document(data: bytes, name: str, opening: dict[str, Any],
                     options: dict[str, Any]) -> dict[str, Any]:
    """What a reader runs for one document (the production `target`): the Analysis as a
    dict, the text it was made from and the resume's identity (app.analysis.identity:
    its MinHash is CPU work too, kept off the worker's threads)."""
    from dataclasses import replace

    from app.analysis import identity, ocr
    from app.analysis.extract import read
    from app.analysis.pipeline import analyze_text

    ocr_options = ocr.find_tesseract(options["ocr_enabled"], options["ocr_languages"],
                                     options["ocr_max_pages"])
    reading = read(data, time_limit_s=options["time_limit_s"], name=name,
                   ocr_options=ocr_options)
    analysis = analyze_text(reading.text, name, Opening.from_dict(opening), kind=reading.kind)
    profile = analysis.profile
    fingerprint = identity.fingerprint(profile.name, profile.emails, profile.phones,
                                       reading.text)
    return {"analysis": replace(analysis, read_by=reading.read_by).to_dict(),
            "text": reading.text, "identity": fingerprint.to_dict()}


def _child_main(conn, target: Callable[..., Any], memory_bytes: int | None) -> None:
    """A reader's life: run `target` for each request until told to stop (None) or until
    the worker's end of the pipe closes."""
    if memory_bytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    conn.send(("ready", None))  # started: the time limit counts from the first request
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        args, kwargs = request
        try:
            reply: tuple[str, Any] = ("ok", target(*args, **kwargs))
        except ReadingLimit as exc:
            reply = ("limit", exc.message)
        except DocumentError as exc:
            reply = ("document", exc.message)
        except MemoryError:
            reply = ("memory", None)
        except Exception:  # noqa: BLE001  (a bug, not the file: the worker logs it)
            reply = ("error", traceback.format_exc())
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))


class _Reader:
    """One child process and the worker's end of its pipe."""

    def __init__(self, context, target: Callable[..., Any], memory_bytes: int | None) -> None:
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=_child_main, name="shortlist-reader",
                                       args=(child_conn, target, memory_bytes), daemon=True)
        self.process.start()
        child_conn.close()
        self.documents = 0
        # Starting (an interpreter, the imports) is not the first document's time.
        if not self.conn.poll(START_TIMEOUT_S) or self._ready() != "ready":
            self.kill()
            raise RuntimeError("a document reader process did not start")

    def _ready(self) -> str | None:
        try:
            return self.conn.recv()[0]
        except (EOFError, OSError):
            return None

    def stop(self, timeout_s: float = 2.0) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout_s)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    @property
    def alive(self) -> bool:
        return not self.conn.closed and self.process.is_alive()


class ReaderPool:
    """`size` reader processes, shared by the threads of one worker process."""

    def __init__(self, size: int, *, time_limit_s: float, memory_mb: int | None,
                 max_documents: int, target: Callable[..., Any] = analyze_document) -> None:
        self.size = size
        self.time_limit_s = time_limit_s
        self.memory_mb = memory_mb
        self.max_documents = max_documents
        self.target = target
        self._context = _reader_context()
        self._slots: queue.LifoQueue[_Reader | None] = queue.LifoQueue()
        for _ in range(size):
            self._slots.put(None)  # started on first use
        self._busy: set[_Reader] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0  # reader processes started (for tests)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """`target(*args, **kwargs)` in a reader; raises DocumentError for a file that
        could not be read (the target's own, or a time limit, a crash, want of memory)."""
        reader = self._slots.get()
        try:
            if self._closed:
                raise RuntimeError("the reader processes are stopped")
            if reader is None or not reader.alive:
                reader = self._start()
            with self._lock:
                self._busy.add(reader)
            return self._ask(reader, args, kwargs)
        finally:
            with self._lock:
                self._busy.discard(reader)
            # A reader killed or retired is not alive: the next request starts another.
            self._slots.put(reader)

    def _start(self) -> _Reader:
        memory = self.memory_mb * 1024 * 1024 if self.memory_mb else None
        self.started += 1
        return _Reader(self._context, self.target, memory)

    def _ask(self, reader: _Reader, args: tuple, kwargs: dict) -> Any:
        """Run one request in `reader`: its answer, or the error it stands for."""
        reader.conn.send((args, kwargs))
        reader.documents += 1
        if not reader.conn.poll(self.time_limit_s + KILL_GRACE_S):
            reader.kill()
            log.warning("a reader ran past %.0f s and was killed", self.time_limit_s)
            raise ReadingLimit(too_slow(self.time_limit_s))
        try:
            status, value = reader.conn.recv()
        except (EOFError, OSError):
            code = reader.process.exitcode if not reader.process.is_alive() else None
            reader.kill()
            log.warning("a reader stopped while reading a document (exit code %s)", code)
            raise ReadingLimit(READER_STOPPED) from None
        if status == "memory":
            reader.kill()
            raise ReadingLimit(too_much_memory((self.memory_mb or 0) * 1024 * 1024))
        if reader.documents >= self.max_documents:
            reader.stop()  # a fresh one takes its place
        if status == "limit":
            raise ReadingLimit(value)
        if status == "document":
            raise DocumentError(value)
        if status == "error":
            raise RuntimeError(f"reading the document failed:\n{value}")
        return value

    def close(self) -> None:
        """Stop every reader (the worker is stopping)."""
        self._closed = True
        with self._lock:
            busy = list(self._busy)
        for reader in busy:
            reader.kill()
        while True:
            try:
                reader = self._slots.get_nowait()
            except queue.Empty:
                break
            if reader is not None:
                reader.stop()
        for _ in range(self.size):
            self._slots.put(None)  # threads still waiting see `_closed`


def _reader_context():
    """Readers are forked from a fork server: one clean, single-threaded process started
    on first use, which imports and warms the analysis once (app.engine.reader_preload).
    Forking the threaded worker itself is unsafe; spawning each reader cost about a second
    of imports, every `reader_max_documents` documents.

    The fork server listens on a socket in the temporary folder; where that folder cannot
    be written (a read-only container without a tmpfs), readers are spawned instead."""
    folder = tempfile.gettempdir()
    if not os.access(folder, os.W_OK):
        log.warning("the temporary folder %s cannot be written: document readers are"
                    " spawned, which is slower (mount a tmpfs or set TMPDIR)", folder)
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["app.engine.reader_preload"])
    return context


# --- This process's pool ------------------------------------------------------------------

_pool: ReaderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def default_size(settings: Settings) -> int:
    """READER_PROCESSES, or this worker process's share of the CPUs."""
    if settings.reader_processes:
        return settings.reader_processes
    return max(1, (os.cpu_count() or 1) // settings.worker_processes)


def get_pool() -> ReaderPool:
    """This process's pool, made on first use (a forked process makes its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            settings = get_settings()
            _pool = ReaderPool(default_size(settings), time_limit_s=settings.extract_time_limit_s,
                               memory_mb=settings.reader_memory_mb,
                               max_documents=settings.reader_max_documents)
            _pool_pid = os.getpid()
        return _pool


def shutdown() -> None:
    """Stop this process's readers (the worker stops); the next use starts new ones."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and _pool_pid == os.getpid():
        pool.close()


class Reading(NamedTuple):
    analysis: Analysis
    text: str
    identity: dict[str, Any]  # app.analysis.identity's Fingerprint, as a dict


def analyze(data: bytes, name: str, opening: Opening) -> Reading:
    """`app.analysis.analyze`, in one of this process's readers: the Analysis, the
    document's text and the resume's identity."""
    settings = get_settings()
    options = {"time_limit_s": settings.extract_time_limit_s,
               "ocr_enabled": settings.ocr_enabled, "ocr_languages": settings.ocr_languages,
               "ocr_max_pages": settings.ocr_max_pages}
    answer = get_pool().run(data, name, opening.to_dict(), options)
    return Reading(Analysis.from_dict(answer["analysis"]), answer["text"], answer["identity"])
