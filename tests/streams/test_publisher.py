"""The publisher keeps per-partition order without waiting, and acks only delivered batches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streams.publisher import TIMESTAMP_FLOOR_MS, BatchPublisher, settle, timestamp_floor_ms
from transforms.policy import load_policy


class FakeBatch:
    def __init__(self, capacity: int) -> None:
        self.capacity, self.records = capacity, []

    def append(self, *, timestamp: int, key: bytes | None, value: bytes) -> object | None:
        if len(self.records) == self.capacity:
            return None
        self.records.append((timestamp, key, value))
        return object()


class FakeClient:
    def __init__(self) -> None:
        self.tracked: set[str] = set()

    def add_topic(self, topic: str) -> None:
        self.tracked.add(topic)


class FakeProducer:
    """aiokafka's contract: one pending batch per partition; send_batch returns a future."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self.client = FakeClient()
        self.sent: list[tuple[str, int, list[Any]]] = []
        self.deliveries: list[asyncio.Future[None]] = []

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        await asyncio.sleep(0.01 if partition == 0 else 0)  # partition 0 is slow to drain
        self.sent.append((topic, partition, batch.records))
        delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.deliveries.append(delivery)
        return delivery


async def test_batches_are_split_and_keep_their_order_per_partition():
    producer = FakeProducer(capacity=2)
    publisher = BatchPublisher(lambda: producer)  # type: ignore[arg-type, return-value]
    first = publisher.publish({("out", 0): [(b"k", b"1"), (b"k", b"2"), (b"k", b"3")]})
    second = publisher.publish({("out", 0): [(b"k", b"4")], ("out", 1): [(None, b"x")]})
    await asyncio.gather(*first, *second)
    values = [[r[2] for r in records] for topic, p, records in producer.sent if p == 0]
    assert values == [[b"1", b"2"], [b"3"], [b"4"]]
    assert all(r[0] % TIMESTAMP_FLOOR_MS == 0 for _, _, records in producer.sent for r in records)


async def test_every_destination_topic_is_tracked_by_the_producers_metadata():
    # aiokafka refreshes only tracked topics: an untracked destination loses its leaders as
    # soon as another topic is tracked (seen: a worker's output stalled when its changelog
    # topic was created), so the publisher tracks each one it is asked about or sends to.
    producer = FakeProducer()
    producer.partitions_for = lambda topic: asyncio.sleep(0, result={0, 1})  # type: ignore[attr-defined]
    publisher = BatchPublisher(lambda: producer)  # type: ignore[arg-type, return-value]
    assert await publisher.partition_count("sanitized") == 2
    handovers = publisher.publish(
        {("quarantine", 0): [(None, b"q")], ("changelog", 1): [(b"k", None)]}
    )
    await asyncio.gather(*handovers)
    assert producer.client.tracked == {"sanitized", "quarantine", "changelog"}


async def test_offsets_are_acked_only_when_every_batch_is_delivered():
    producer = FakeProducer()
    publisher = BatchPublisher(lambda: producer)  # type: ignore[arg-type, return-value]
    handovers = publisher.publish({("out", 1): [(b"a", b"1")], ("q", 0): [(None, b"2")]})
    acked, failed = [], []
    task = asyncio.ensure_future(settle(handovers, lambda: acked.append(True), failed.append))
    await asyncio.gather(*handovers)
    producer.deliveries[0].set_result(None)
    await asyncio.sleep(0)
    assert acked == []  # one delivery still outstanding
    producer.deliveries[1].set_result(None)
    await task
    assert acked == [True] and failed == []


async def test_a_failed_delivery_is_never_acked():
    producer = FakeProducer()
    publisher = BatchPublisher(lambda: producer)  # type: ignore[arg-type, return-value]
    handovers = publisher.publish({("out", 1): [(b"a", b"1")]})
    acked, failed = [], []
    task = asyncio.ensure_future(settle(handovers, lambda: acked.append(True), failed.append))
    await asyncio.gather(*handovers)
    producer.deliveries[0].set_exception(TimeoutError("broker gone"))
    await task
    assert acked == [] and [type(e) for e in failed] == [TimeoutError]


@pytest.mark.parametrize("records", [{}, {("out", 0): []}])
async def test_nothing_to_send_acks_at_once(records):
    producer = FakeProducer()
    publisher = BatchPublisher(lambda: producer)  # type: ignore[arg-type, return-value]
    acked = []
    handovers = publisher.publish(records)
    await settle(handovers, lambda: acked.append(True), lambda error: None)
    assert acked == [True]


@pytest.mark.parametrize(
    ("policy", "floor"), [("builtin:default", 1000), ("builtin:strict", 60_000)]
)
def test_record_timestamps_are_no_finer_than_the_policys_timestamps(policy, floor):
    assert timestamp_floor_ms(load_policy(policy)) == floor
