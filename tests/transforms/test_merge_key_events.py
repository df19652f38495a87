"""merge_key_events: releases (hold time, rollover) never leave; presses keep their class."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.transforms.raw_events import PROPERTY, make_event, valid_events
from transforms.context import Context
from transforms.event import validate_event
from transforms.merge_key_events import MergeKeyEventsConfig, merge_key_events
from transforms.registry import lookup


def merge(**config: bool):  # type: ignore[no-untyped-def]
    return merge_key_events(MergeKeyEventsConfig(**config), Context())


def test_key_up_is_dropped_and_key_down_is_kept_unchanged() -> None:
    transform = merge()
    press = make_event("key_down", key_class="letter")
    assert transform(make_event("key_up")) is None
    assert transform(press) == press


def test_auto_repeat_presses_are_kept_unless_asked() -> None:
    repeat = make_event("key_down", repeat=True)
    assert merge()(repeat) == repeat
    assert merge(drop_repeats=True)(repeat) is None
    assert merge(drop_repeats=True)(make_event("key_down", repeat=False)) is not None


def test_the_input_event_is_not_mutated() -> None:
    event = make_event("key_down")
    before = dict(event)
    merge(drop_repeats=True)(event)
    assert event == before


@given(valid_events())
@PROPERTY
def test_no_release_ever_passes_and_other_types_pass_untouched(raw: dict) -> None:  # type: ignore[type-arg]
    event = validate_event(raw)
    assert isinstance(event, dict)
    out = merge()(event)
    if event["type"] == "key_up":
        assert out is None
    else:
        assert out == event


@pytest.mark.parametrize("name", ["merge_key_events", "summarize_typing", "renumber_seq"])
def test_timing_transforms_are_registered_by_name(name: str) -> None:
    spec = lookup(name)
    assert spec.name == name and spec.doc
    assert spec.build({}, Context()) is not None
