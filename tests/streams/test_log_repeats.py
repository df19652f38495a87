"""Repeated warnings and errors collapse to one line per kind and interval, with a count."""

from __future__ import annotations

import logging

from streams.log_repeats import RepeatedRecordFilter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(msg: str, *args: object, name: str = "aiokafka", level: int = logging.ERROR):
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_flood_of_one_error_becomes_one_line_per_interval_with_its_count() -> None:
    clock = Clock()
    repeats = RepeatedRecordFilter(interval_s=30, clock=clock)
    passed = []
    for n in range(41_733):  # the count, spread over 17 s
        clock.now = n * 17 / 41_733
        line = record("Unable connect to node with id %s: %s", 1, f"[Errno 111] try {n}")
        if repeats.filter(line):
            passed.append(line)
    assert len(passed) == 1
    clock.now = 31.0
    later = record("Unable connect to node with id %s: %s", 1, "[Errno 111]")
    assert repeats.filter(later)
    assert "and 41732 more like this in the last 31 s" in later.getMessage()
    assert later.getMessage().startswith("Unable connect to node with id 1: [Errno 111]")


def test_kinds_are_counted_apart_and_info_passes_untouched() -> None:
    clock = Clock()
    repeats = RepeatedRecordFilter(interval_s=30, clock=clock)
    assert repeats.filter(record("Unable connect to node with id %s", 1))
    assert repeats.filter(record("Unable to update metadata from %s", [1]))
    assert repeats.filter(record("Unable connect to node with id %s", 1, name="kafka.conn"))
    assert not repeats.filter(record("Unable connect to node with id %s", 2))
    assert all(repeats.filter(record("processed %d", n, level=logging.INFO)) for n in range(100))
