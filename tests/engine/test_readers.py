"""The reader processes: a document that crashes, hangs or eats memory fails alone, with a
plain message, and the next document is read as before."""

from __future__ import annotations

import time

import pytest

from app.analysis import Opening, analyze, extract_text, identity, messages
from app.engine import readers
from app.engine.readers import ReaderPool
from app.errors import DocumentError
from tests.analysis import factories
from tests.engine.reader_targets import poisoned

OPENING = Opening("Registered Nurse", "Patient care and medication administration.",
                  ["Patient Care"], ["BLS"], 2)
OPTIONS = {"time_limit_s": 1.0, "ocr_enabled": False, "ocr_languages": "eng",
           "ocr_max_pages": 5}


@pytest.fixture
def pool():
    made = ReaderPool(1, time_limit_s=1.0, memory_mb=512, max_documents=3, target=poisoned)
    yield made
    made.close()


def _read(pool: ReaderPool, data: bytes, name: str = "cv.pdf"):
    return pool.run(data, name, OPENING.to_dict(), OPTIONS)


def _fails(pool: ReaderPool, data: bytes) -> str:
    with pytest.raises(DocumentError) as caught:
        _read(pool, data)
    return caught.value.message


def test_a_normal_pdf_reads_exactly_as_in_process(pool: ReaderPool) -> None:
    data = factories.make_pdf(factories.NURSE)
    answer = _read(pool, data, "nurse.pdf")
    assert answer["analysis"] == analyze(data, "nurse.pdf", OPENING, time_limit_s=1.0).to_dict()
    assert answer["text"] == extract_text(data)
    profile = answer["analysis"]["profile"]
    assert answer["identity"] == identity.fingerprint(
        profile["name"], profile["emails"], profile["phones"], answer["text"]).to_dict()
    assert pool.started == 1


def test_a_crashing_reader_fails_only_its_document(pool: ReaderPool) -> None:
    assert _fails(pool, b"crash") == messages.READER_STOPPED
    assert messages.READER_STOPPED.startswith(
        "Reading this file stopped the reader: the file may be damaged or too complex.")
    # The next document is read by a fresh reader.
    assert _read(pool, b"Maria Garcia\nPatient Care, BLS")["analysis"]["type"] == "text"
    assert pool.started == 2


def test_a_hanging_reader_is_killed_at_the_limit(pool: ReaderPool) -> None:
    _read(pool, b"pid")  # started, so that the timing below is the document's
    started = time.monotonic()
    assert _fails(pool, b"hang") == messages.too_slow(1.0)
    assert "took longer than 1 seconds" in messages.too_slow(1.0)
    assert 1.0 <= time.monotonic() - started < 1.0 + readers.KILL_GRACE_S + 2
    assert _read(pool, b"Maria Garcia\nPatient Care")["analysis"]["type"] == "text"


def test_a_document_needing_too_much_memory_is_refused(pool: ReaderPool) -> None:
    assert _fails(pool, b"huge") == messages.too_much_memory(512 * 1024 * 1024)
    assert _fails(pool, b"huge").startswith(
        "Reading this file needed more than 512 MB of memory, so it was stopped.")
    assert _read(pool, b"Maria Garcia\nPatient Care")["analysis"]["type"] == "text"


def test_document_errors_come_back_as_they_are(pool: ReaderPool) -> None:
    assert _fails(pool, factories.encrypted_pdf()) == messages.ENCRYPTED_PDF
    assert _fails(pool, factories.truncated_pdf()) == messages.damaged("PDF")


def test_a_reader_is_replaced_after_max_documents(pool: ReaderPool) -> None:
    pids = [_read(pool, b"pid") for _ in range(7)]
    assert pids[0] == pids[1] == pids[2] != pids[3] == pids[4] == pids[5] != pids[6]
    assert pool.started == 3


def test_the_worker_threads_never_load_pdfium(monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine's path: the resume kind calls readers.analyze, which runs in a reader.
    import inspect

    from app.engine.kinds import resume

    assert "readers.analyze(" in inspect.getsource(resume.handle)
    monkeypatch.setattr(readers, "_pool", ReaderPool(1, time_limit_s=5.0, memory_mb=None,
                                                     max_documents=10, target=poisoned))
    monkeypatch.setattr(readers, "_pool_pid", __import__("os").getpid())
    try:
        result, text, fingerprint = readers.analyze(factories.make_pdf(factories.NURSE),
                                                    "nurse.pdf", OPENING)
        assert result.profile.name == "Maria Garcia" and result.type == "pdf"
        assert text.startswith("MARIA GARCIA, RN")
        assert fingerprint == identity.fingerprint("Maria Garcia", result.profile.emails,
                                                   result.profile.phones, text).to_dict()
        assert readers.get_pool().run(b"pid", "x", {}, {}) != __import__("os").getpid()
    finally:
        readers.shutdown()


def test_a_stopping_worker_stops_its_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from actors.shutdown import FlushEndings

    pool = ReaderPool(1, time_limit_s=5.0, memory_mb=None, max_documents=10, target=poisoned)
    monkeypatch.setattr(readers, "_pool", pool)
    monkeypatch.setattr(readers, "_pool_pid", os.getpid())
    reader_pid = pool.run(b"pid", "x", {}, {})
    FlushEndings().after_worker_shutdown(object(), None)  # what dramatiq calls at the end
    assert readers._pool is None
    with pytest.raises(ProcessLookupError):
        os.kill(reader_pid, 0)


def test_readers_are_forked_warm_from_a_fork_server(pool: ReaderPool) -> None:
    # Not spawned by the worker (a second of imports for each new reader), nor forked from
    # it (a threaded process): forked from one clean server that loaded the analysis.
    import os

    parent, warm = pool.run(b"started", "x", {}, {})
    assert parent != os.getpid()
    assert warm is True
    assert pool._context.get_start_method() == "forkserver"


def test_without_a_writable_temporary_folder_readers_are_spawned(
        tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # The fork server needs a socket in the temporary folder; a read-only container
    # still reads documents, by spawning its readers.
    import tempfile

    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(folder))
    monkeypatch.setattr(readers.os, "access", lambda path, mode: path != str(folder))
    made = ReaderPool(1, time_limit_s=5.0, memory_mb=None, max_documents=3, target=poisoned)
    try:
        assert made._context.get_start_method() == "spawn"
        assert made.run(b"pid", "x", {}, {}) != __import__("os").getpid()
    finally:
        made.close()
    assert f"the temporary folder {folder} cannot be written" in caplog.text
