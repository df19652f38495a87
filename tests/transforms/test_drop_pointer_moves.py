"""drop_pointer_moves: the pointer path never leaves; everything else does."""

from __future__ import annotations

import pytest

from tests.transforms.raw_events import make_event
from transforms.context import Context
from transforms.drop_pointer_moves import DropPointerMovesConfig, drop_pointer_moves
from transforms.event import EVENT_TYPES
from transforms.pipeline import Dropped, Pipeline


def test_moves_are_dropped() -> None:
    assert drop_pointer_moves(DropPointerMovesConfig(), Context())(make_event("mouse_move")) is None


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES - {"mouse_move"}))
def test_other_events_pass(event_type: str) -> None:
    event = make_event(event_type)
    assert drop_pointer_moves(DropPointerMovesConfig(), Context())(event) == event


def test_the_default_policy_drops_moves_by_this_rule(default_pipeline: Pipeline) -> None:
    assert default_pipeline.sanitize(make_event("mouse_move")) == Dropped("drop_pointer_moves")
