"""Targets for the reader pool in tests: a reader runs them in its own process (the fork
server imports this module there). Each behaves like a poisonous document when asked to."""

from __future__ import annotations

import os
import time
from typing import Any

from app.engine.readers import analyze_document


def poisoned(data: bytes, name: str, opening: dict[str, Any], options: dict[str, Any]) -> Any:
    if data == b"crash":
        os._exit(139)  # as PDFium's segfault would end the process
    if data == b"hang":
        while True:
            time.sleep(0.05)  # as a C call that never returns
    if data == b"huge":
        return bytearray(4 * 1024**3)  # 4 GB, over the reader's memory limit
    if data == b"pid":
        return os.getpid()
    if data == b"started":  # the reader's parent, and whether the analysis was loaded
        import sys

        return os.getppid(), "app.analysis.pipeline" in sys.modules
    return analyze_document(data, name, opening, options)
