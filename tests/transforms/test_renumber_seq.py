"""renumber_seq: seq counts kept events with no gaps, so dropped events cannot be counted."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, make_event
from transforms.context import Context
from transforms.registry import Transform
from transforms.renumber_seq import RenumberSeqConfig, renumber_seq, resume_point


def renumber(**config: int) -> Transform:
    return renumber_seq(RenumberSeqConfig(**config), Context())


def events(seqs: list[int], session: str = "s1") -> list[dict[str, Any]]:
    return [make_event("key_down", seq=seq, session_id=session) for seq in seqs]


def test_gaps_left_by_dropped_events_disappear() -> None:
    transform = renumber()
    out = [transform(event) for event in events([0, 2, 3, 9, 40])]
    assert [event["seq"] for event in out if event] == [0, 1, 2, 3, 4]


def test_sessions_are_numbered_independently() -> None:
    transform = renumber()
    a = [transform(e) for e in events([0, 5], "a")]
    b = [transform(e) for e in events([0, 7], "b")]
    assert [e["seq"] for e in a if e] == [0, 1]
    assert [e["seq"] for e in b if e] == [0, 1]


def test_an_event_without_seq_passes_unchanged() -> None:
    event = make_event("click")
    del event["seq"]
    assert renumber()(event) == event


def test_a_session_first_seen_mid_stream_resumes_at_a_coarse_block() -> None:
    assert resume_point(0, 1024) == 0
    assert resume_point(5, 1024) == 5
    assert resume_point(1025, 1024) == 2048
    assert resume_point(2048, 1024) == 2048


def test_memory_is_bounded_and_an_evicted_session_still_increases() -> None:
    transform = renumber(max_sessions=1, resume_block=16)
    first = [transform(e) for e in events([0, 10, 20], "a")]
    transform(events([0], "b")[0])  # evicts "a"
    again = transform(events([30], "a")[0])
    numbers = [e["seq"] for e in first if e]
    assert numbers == [0, 1, 2]
    assert again is not None and again["seq"] == 32 > numbers[-1]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=50, unique=True))
@PROPERTY
def test_output_is_dense_and_keeps_the_order(seqs: list[int]) -> None:
    transform = renumber()
    ordered = sorted(seqs)
    out = [transform(e) for e in events(ordered)]
    first = resume_point(ordered[0], 1024)
    assert [e["seq"] for e in out if e] == [first + i for i in range(len(seqs))]
