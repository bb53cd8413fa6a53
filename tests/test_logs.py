"""Logs are one line per event, tracebacks included."""

import logging

from app.logs import OneLineFormatter


def test_a_traceback_stays_on_one_line():
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("a\nb",),
                                   exc_info=__import__("sys").exc_info())
    line = formatter.format(record)
    assert "\n" not in line
    assert line.startswith("ERROR failed a ⏎ b ⏎ Traceback (most recent call last):")
    assert line.endswith("ValueError: bad ⏎ thing")
