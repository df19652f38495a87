"""A partition's flow hands each raw offset over once, whatever the consumer fetched twice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from faust.types import TP

from streams.intake import Intake, PartitionFlow

RAW = TP("raw", 0)


@dataclass(frozen=True)
class Record:
    offset: int
    serialized_value_size: int = 10  # as aiokafka's ConsumerRecord: bytes of the value


def records(start: int, stop: int, size: int = 10) -> list[Record]:
    return [Record(offset, size) for offset in range(start, stop)]


def test_offsets_fetched_twice_are_taken_once() -> None:
    """After a rebalance Faust seeks back to the committed offset while the first fetch is
    already queued: the refetched offsets must not be processed a second time."""
    flow = PartitionFlow(RAW, 10_000, lambda tp, pause: None)
    flow.position = 100
    flow.offer(records(90, 150))  # 90..99 were committed by the previous owner
    flow.offer(records(100, 180))  # the same again after the seek, and more
    taken = asyncio.run(flow.take(1000))
    assert [r.offset for r in taken] == list(range(100, 180))
    flow.offer(records(150, 200))
    assert [r.offset for r in asyncio.run(flow.take(1000))] == list(range(180, 200))


def test_take_is_bounded_and_keeps_the_rest_in_order() -> None:
    flow = PartitionFlow(RAW, 10_000, lambda tp, pause: None)
    flow.offer(records(0, 30))
    assert [r.offset for r in asyncio.run(flow.take(20))] == list(range(20))
    assert [r.offset for r in asyncio.run(flow.take(20))] == list(range(20, 30))


def test_a_full_flow_pauses_its_partition_until_it_has_caught_up() -> None:
    calls: list[bool] = []
    flow = PartitionFlow(RAW, 100, lambda tp, pause: calls.append(pause))
    flow.offer(records(0, 120))
    assert calls == [True]
    asyncio.run(flow.take(1000))
    assert calls == [True, False]


def test_a_flow_full_of_bytes_pauses_its_partition_below_the_message_bound() -> None:
    """Large messages: the byte bound pauses first, and the partition resumes only once less
    than half of it waits (a take that splits a fetched list counts its bytes exactly)."""
    calls: list[bool] = []
    flow = PartitionFlow(RAW, 10_000, lambda tp, pause: calls.append(pause), max_queued_bytes=1000)
    flow.offer(records(0, 5, size=100))
    assert calls == []
    flow.offer(records(5, 10, size=100))  # 1,000 bytes in 10 messages
    assert calls == [True]
    assert [r.offset for r in asyncio.run(flow.take(4))] == [0, 1, 2, 3]
    assert calls == [True]  # 600 bytes still wait: more than half
    assert [r.offset for r in asyncio.run(flow.take(2))] == [4, 5]
    assert calls == [True, False]  # 400 bytes
    flow.offer(records(10, 15, size=100))
    assert calls == [True, False]  # 900 bytes: below the bound again
    flow.offer(records(15, 16, size=100))
    assert calls == [True, False, True]


def test_only_assigned_raw_partitions_are_diverted() -> None:
    flows: dict[int, PartitionFlow] = {}

    def new_flow(tp: TP) -> PartitionFlow:
        flows[tp.partition] = PartitionFlow(tp, 100, lambda tp, pause: None)
        return flows[tp.partition]

    intake = Intake("raw", lambda: True, lambda tp: tp.partition == 0, new_flow)
    optout = TP("optout", 0)
    rest = intake.divert({RAW: records(0, 5), TP("raw", 1): records(0, 5), optout: records(0, 2)})
    assert list(rest) == [optout]  # Faust keeps the table's records
    assert list(flows) == [0]  # partition 1 is not ours: dropped, never processed
    stopped = Intake("raw", lambda: False, lambda tp: True, new_flow)
    stopped.divert({TP("raw", 2): records(0, 5)})  # during a rebalance: dropped (Faust seeks)
    assert 2 not in flows


async def lingering_take(linger_s: float) -> tuple[PartitionFlow, asyncio.Future[list[Record]]]:
    """A flow lingering ``linger_s`` with 5 records fetched, and a take of up to 20 running."""
    flow = PartitionFlow(RAW, 10_000, lambda tp, pause: None, linger_s=linger_s)
    flow.offer(records(0, 5))
    taking = asyncio.ensure_future(flow.take(20))
    await _settle()
    return flow, taking


async def _settle() -> None:
    for _ in range(5):  # let the taking task run up to its wait
        await asyncio.sleep(0)


def test_a_lingering_take_waits_for_more_records_until_it_has_a_full_batch() -> None:
    async def scenario() -> list[int]:
        flow, taking = await lingering_take(60.0)
        assert not taking.done()  # 5 of 20, well within the linger: it waits for more
        flow.offer(records(5, 12))
        await _settle()
        assert not taking.done()
        flow.offer(records(12, 30))  # now 30 wait: a full batch goes at once
        return [r.offset for r in await asyncio.wait_for(taking, 5)]

    assert asyncio.run(scenario()) == list(range(20))


def test_a_lingering_take_returns_what_it_has_once_the_linger_has_passed() -> None:
    async def scenario() -> list[int]:
        _, taking = await lingering_take(0.01)
        return [r.offset for r in await asyncio.wait_for(taking, 5)]

    assert asyncio.run(scenario()) == list(range(5))


def test_stopping_ends_a_linger_without_a_batch() -> None:
    async def scenario() -> list[Record]:
        flow, taking = await lingering_take(60.0)
        flow.stop()  # a revocation: the next owner processes them
        return await asyncio.wait_for(taking, 5)

    assert asyncio.run(scenario()) == []
