"""The fault tests' poison kind: an item that kills its worker process, as a segfaulting
parser would. Test code only: a worker loads it when its command line names this module
(`dramatiq actors.worker tests.chaos.poison`), which no deployment does.
"""

from __future__ import annotations

import os
from typing import Any

from app.engine.kinds import ItemResult, ItemWork, Kind, register
from app.engine.kinds.noop import handle as noop_handle
from app.engine.kinds.noop import validate_params as noop_params
from app.errors import InvalidInput


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    crash_seqs = params.pop("crash_seqs", [])
    if not isinstance(crash_seqs, list) or not all(isinstance(n, int) for n in crash_seqs):
        raise InvalidInput("crash_seqs must be a list of item positions.")
    return {**noop_params(params), "crash_seqs": crash_seqs}


def handle(work: ItemWork) -> ItemResult:
    if work.seq in work.params["crash_seqs"]:
        os._exit(70)  # the whole worker process dies
    return noop_handle(work)


register(Kind(name="poison", handle=handle, validate_params=validate_params,
              operator_only=True))
