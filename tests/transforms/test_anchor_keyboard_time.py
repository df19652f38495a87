"""anchor_keyboard_time: keyboard-derived times say nothing about how fast anyone typed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, TS_MS, make_event
from transforms.anchor_keyboard_time import AnchorKeyboardTimeConfig, anchor_keyboard_time
from transforms.context import Context
from transforms.registry import Transform

HOUR = 3_600_000
START = TS_MS - TS_MS % HOUR


def anchor(**config: Any) -> Transform:
    return anchor_keyboard_time(AnchorKeyboardTimeConfig(**config), Context())


def summary(ts: int, **fields: Any) -> dict[str, Any]:
    return {**make_event("text_input", ts=ts, **fields), "field": "typing", "text_length": "1-16"}


def command(ts: int, **fields: Any) -> dict[str, Any]:
    return make_event("key_down", ts=ts, key_class="enter", **fields)


def test_keyboard_events_take_the_time_of_the_last_other_action() -> None:
    transform = anchor()
    click = make_event("click", ts=START + 5_000)
    assert transform(click) == click
    assert transform(summary(START + 61_000))["ts"] == START + 5_000
    assert transform(command(START + 62_345))["ts"] == START + 5_000
    later = make_event("mouse_down", ts=START + 90_000)
    assert transform(later) == later
    assert transform(command(START + 95_000))["ts"] == START + 90_000


def test_without_an_earlier_action_the_clock_window_start_is_used_and_time_moves_on() -> None:
    transform = anchor()
    assert transform(command(START + 10))["ts"] == START
    transform(make_event("window_focus", ts=START + 1_000))
    assert transform(command(START + HOUR - 7))["ts"] == START + 1_000
    # A long typing stretch moves on by whole windows from the anchor, not to the clock's hour.
    assert transform(command(START + HOUR + 1_007))["ts"] == START + 1_000 + HOUR


@given(st.integers(0, HOUR - 1), st.lists(st.integers(0, 3 * HOUR), min_size=1, max_size=30))
@PROPERTY
def test_keyboard_times_step_from_the_anchor_by_whole_windows_wherever_the_anchor_falls(
    anchor_offset: int, offsets: list[int]
) -> None:
    """Where in the clock hour the session's last action fell leaves no trace in the steps."""
    transform = anchor()
    anchor_ts = START + anchor_offset
    transform(make_event("window_focus", ts=anchor_ts))
    steps = [transform(command(anchor_ts + offset))["ts"] - anchor_ts for offset in sorted(offsets)]
    assert steps == [offset // HOUR * HOUR for offset in sorted(offsets)]


def test_committed_text_and_pastes_are_actions_not_keyboard_rhythm() -> None:
    transform = anchor()
    paste = make_event("clipboard", ts=START + 3_000)
    committed = make_event("text_input", ts=START + 4_000, field="textarea")
    assert transform(paste) == paste and transform(committed) == committed
    assert transform(command(START + 9_000))["ts"] == START + 4_000


@given(st.lists(st.integers(0, HOUR - 1), min_size=2, max_size=30))
@PROPERTY
def test_typing_speed_cannot_be_read_from_keyboard_timestamps(offsets: list[int]) -> None:
    """Any timing of summaries and commands after one action gives identical timestamps."""
    transform = anchor()
    transform(make_event("window_focus", ts=START))
    times = {transform(command(START + offset))["ts"] for offset in sorted(offsets)}
    assert times == {START}


def test_sessions_are_apart_and_the_input_is_not_mutated() -> None:
    transform = anchor()
    transform(make_event("click", ts=START + 5_000, session_id="a"))
    event = command(START + 7_000, session_id="b")
    before = dict(event)
    assert transform(event)["ts"] == START
    assert event == before
