"""Batches routed back to back are published together, by the last one in line."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from streams.publish_round import PublishRound


class RecordingPublisher:
    """``BatchPublisher.publish``'s contract: a call returns one hand-over per destination."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[dict[Any, list[Any]], Mapping[Any, Any] | None]] = []
        self.fail = fail

    def publish(
        self, records: Mapping[Any, Sequence[Any]], headers: Mapping[Any, Any] | None = None
    ) -> list[Any]:
        if self.fail:
            raise RuntimeError("producer gone")
        self.calls.append(({d: list(r) for d, r in records.items()}, headers))
        return [f"handover-{len(self.calls)}-{d}" for d in records]


def round_of(publisher: RecordingPublisher, max_messages: int = 100) -> PublishRound:
    return PublishRound(publisher, max_messages)  # type: ignore[arg-type]


async def test_batches_in_line_are_published_once_by_the_last_one() -> None:
    publisher = RecordingPublisher()
    publish_round, lock = round_of(publisher), asyncio.Lock()
    futures: dict[str, asyncio.Future[Any]] = {}

    async def batch(name: str, records: dict[Any, list[Any]]) -> None:
        with publish_round.in_line():
            async with lock:
                await asyncio.sleep(0)  # routing yields between slices: the others line up
                futures[name] = publish_round.add(records, messages=1)
                assert publisher.calls == []  # nothing is out before the last one leaves

    await asyncio.gather(
        batch("a", {("out", 0): [(b"a", b"1")], ("out", 1): [(b"a", b"2")]}),
        batch("b", {("out", 0): [(b"b", b"3")]}),
        batch("c", {("q", 0): [(None, b"4")]}),
    )
    merged = {
        ("out", 0): [(b"a", b"1"), (b"b", b"3")],
        ("out", 1): [(b"a", b"2")],
        ("q", 0): [(None, b"4")],
    }
    assert publisher.calls == [(merged, None)]
    handovers = {name: future.result() for name, future in futures.items()}
    assert handovers["a"] == handovers["b"] == handovers["c"]
    assert len(handovers["a"]) == 3


async def test_a_lone_batch_is_published_when_it_leaves() -> None:
    publisher = RecordingPublisher()
    publish_round = round_of(publisher)
    with publish_round.in_line():
        future = publish_round.add({("out", 0): [(b"k", b"v")]}, messages=1)
        assert not future.done()
    assert future.done() and len(future.result()) == 1
    with publish_round.in_line():
        second = publish_round.add({("out", 0): [(b"k", b"w")]}, messages=1)
    assert second is not future and len(publisher.calls) == 2


async def test_state_changes_keep_their_own_publish_and_headers_in_order() -> None:
    publisher = RecordingPublisher()
    publish_round = round_of(publisher)
    with publish_round.in_line(), publish_round.in_line():
        changes_1 = ({("log", 0): [(b"s", b"1")]}, {("log", 0): [("offset", b"10")]})
        changes_2 = ({("log", 0): [(b"s", None)]}, {("log", 0): [("offset", b"20")]})
        publish_round.add({("out", 0): [(b"k", b"a")]}, messages=1, changes=changes_1)
        future = publish_round.add({("out", 0): [(b"k", b"b")]}, messages=1, changes=changes_2)
    assert publisher.calls == [
        ({("out", 0): [(b"k", b"a"), (b"k", b"b")]}, None),
        ({("log", 0): [(b"s", b"1")]}, {("log", 0): [("offset", b"10")]}),
        ({("log", 0): [(b"s", None)]}, {("log", 0): [("offset", b"20")]}),
    ]
    assert len(future.result()) == 3


async def test_a_full_round_is_published_though_others_wait() -> None:
    publisher = RecordingPublisher()
    publish_round = round_of(publisher, max_messages=10)
    with publish_round.in_line():  # another batch is still in line throughout
        with publish_round.in_line():
            small = publish_round.add({("out", 0): [(b"k", b"1")]}, messages=4)
        assert not small.done()
        with publish_round.in_line():
            full = publish_round.add({("out", 0): [(b"k", b"2")]}, messages=6)
        assert full is small and full.done()
        assert len(publisher.calls) == 1


async def test_an_error_while_in_line_still_publishes_what_others_added() -> None:
    publisher = RecordingPublisher()
    publish_round = round_of(publisher)
    with publish_round.in_line():
        added = publish_round.add({("out", 0): [(b"k", b"1")]}, messages=1)
        with pytest.raises(ValueError), publish_round.in_line():
            raise ValueError("routing failed")  # this batch added nothing
        assert not added.done()
    assert added.result() and publisher.calls[0][0] == {("out", 0): [(b"k", b"1")]}


async def test_a_failed_publish_fails_the_batches_not_the_caller() -> None:
    publish_round = round_of(RecordingPublisher(fail=True))
    with publish_round.in_line():
        future = publish_round.add({("out", 0): [(b"k", b"1")]}, messages=1)
    with pytest.raises(RuntimeError, match="producer gone"):
        future.result()


async def test_leaving_with_nothing_added_publishes_nothing() -> None:
    publisher = RecordingPublisher()
    publish_round = round_of(publisher)
    with publish_round.in_line():
        pass
    assert publisher.calls == []
