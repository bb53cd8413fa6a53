"""One stop is one SIGTERM: a duplicate delivery does not turn it into "kill now"."""

from __future__ import annotations

import signal

from actors.shutdown import ignore_duplicate_sigterm


def test_a_second_sigterm_within_the_window_is_the_same_stop():
    calls: list[int] = []
    now = [100.0]
    handler = ignore_duplicate_sigterm(lambda signum, frame: calls.append(signum),
                                       window_s=2.0, clock=lambda: now[0])
    handler(signal.SIGTERM, None)
    now[0] = 101.5
    handler(signal.SIGTERM, None)  # the copy forwarded by dramatiq's main process
    assert calls == [signal.SIGTERM]
    now[0] = 103.0
    handler(signal.SIGTERM, None)  # an operator's deliberate second SIGTERM: kill now
    assert calls == [signal.SIGTERM, signal.SIGTERM]
    now[0] = 104.0
    handler(signal.SIGTERM, None)  # within 2 s of that one
    assert calls == [signal.SIGTERM, signal.SIGTERM]
