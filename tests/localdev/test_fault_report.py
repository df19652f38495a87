"""The fault run's verdict: what counts as lost, duplicated or leaked, per guarantee."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from functools import cache

import orjson
import pytest

from localdev.canary_traffic import Traffic
from localdev.fault_report import FaultRunFigures, tally
from localdev.outcomes import Expected, Produced, default_pipeline
from transforms.pipeline import Pipeline

Record = namedtuple("Record", "key value")
BAD = Produced(0, 3, b"u", b"42")  # a hostile input: not an object
QUARANTINE = [Record(None, orjson.dumps({"partition": 0, "offset": 3, "reason": "not_an_object"}))]


@cache
def pipeline() -> Pipeline:
    return default_pipeline("k" * 32)


@dataclass
class Run:
    """Three clicks and one hostile message produced, and what the oracle expects of them."""

    traffic: Traffic
    expected: Expected
    raw: list[Produced]

    @classmethod
    def make(cls) -> Run:
        traffic = Traffic()
        user = traffic.user(0)
        raw = [Produced(0, offset, *traffic.single(user, "click")) for offset in range(3)] + [BAD]
        expected = Expected()
        expected.add(pipeline(), raw)
        return cls(traffic, expected, raw)

    def sanitized(self) -> list[Record]:
        events = self.expected.sanitized.values()
        return [Record(e["user_id"].encode(), orjson.dumps(e)) for e in events]

    def figures(self, guarantee: str, faults: tuple[str, ...], sanitized: list[Record],
                quarantine: list[Record]) -> FaultRunFigures:  # fmt: skip
        figures = FaultRunFigures(guarantee, faults, messages_acked=len(self.raw))
        places = {(BAD.partition, BAD.offset)}
        tally(figures, self.expected, self.raw, places, sanitized, quarantine,  # type: ignore[arg-type]
              self.traffic.secrets)  # fmt: skip
        return figures


def test_a_run_with_every_outcome_once_passes() -> None:
    run = Run.make()
    figures = run.figures("exactly_once", ("kill", "broker", "term"), run.sanitized(), QUARANTINE)
    assert (figures.sanitized_expected, figures.sanitized_seen, figures.lost) == (3, 3, 0)
    assert (figures.hostile, figures.hostile_quarantined) == (1, 1)
    assert figures.failures() == []
    assert "PASS" in figures.table()


@pytest.mark.parametrize(
    ("guarantee", "faults", "fails"),
    [
        ("exactly_once", ("kill", "broker", "term"), True),
        ("at_least_once", ("term",), True),
        ("at_least_once", ("kill", "broker"), False),
    ],
)
def test_duplicates_fail_exactly_once_and_sigterm_only(guarantee, faults, fails) -> None:
    run = Run.make()
    copies = run.sanitized()
    figures = run.figures(guarantee, faults, copies + copies[:1], QUARANTINE * 2)
    assert (figures.sanitized_duplicates, figures.quarantine_duplicates) == (1, 1)
    assert bool(figures.failures()) is fails


def test_a_changed_copy_counts_as_a_mismatch() -> None:
    run = Run.make()
    copies = run.sanitized()
    event = orjson.loads(copies[0].value)
    changed = Record(copies[0].key, orjson.dumps(event | {"seq": event["seq"] + 1}))
    figures = run.figures("at_least_once", ("kill",), [*copies, changed], QUARANTINE)
    assert figures.mismatches == 1 and figures.failures()


def test_a_lost_event_a_leak_and_a_hostile_input_not_quarantined_fail() -> None:
    run = Run.make()
    user_id = next(s for s in run.traffic.secrets if s.startswith("user0."))
    leaky = Record(b"", orjson.dumps({"event_id": "x", "user_id": user_id}))
    figures = run.figures("at_least_once", ("kill",), [leaky], [])
    assert (figures.sanitized_lost, figures.quarantine_lost) == (3, 1)
    assert figures.leaks == 1 and figures.hostile_quarantined == 0
    assert "FAIL: 4 lost; 1 secrets leaked" in figures.table()
