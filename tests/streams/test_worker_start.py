"""What a worker does once before it consumes: what it built at start is frozen out of the
garbage collector's full collections, and the garbage of the start-up is collected, not frozen."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from streams.worker import freeze_startup_objects


class Node:
    cycle: Node | None = None


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_objects_built_at_start_are_frozen_and_startup_garbage_is_collected(
    unfrozen_afterwards: None,
) -> None:
    built = [Node() for _ in range(100)]  # lives as long as the worker
    garbage = Node()
    garbage.cycle = garbage  # only the collector frees a cycle
    collected = weakref.ref(garbage)
    del garbage
    gc.disable()  # no automatic collection may free the cycle before the function does
    try:
        before = gc.get_freeze_count()
        freeze_startup_objects()
    finally:
        gc.enable()

    assert gc.get_freeze_count() >= before + len(built)
    assert collected() is None, "start-up garbage was frozen instead of collected"
