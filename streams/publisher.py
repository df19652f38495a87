"""Send a batch's output through the app's aiokafka producer, one record batch per partition.

Faust's ``topic.send`` costs tens of microseconds per record; filling an aiokafka record batch
per destination partition and handing it over with ``send_batch`` costs a few. ``publish``
never waits: aiokafka holds one pending batch per partition, so each hand-over runs in a task
chained behind the previous one for the same partition (order per partition is kept) while
the agent routes the next slice. ``settle`` acks the source offsets of a batch only when the
broker has acknowledged every record it produced (at-least-once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from streams.routing import Destination, Record
from transforms.coarsen_timestamp import CoarsenTimestampConfig
from transforms.policy import Policy

# Record timestamps say when the worker published, floored to the policy's timestamp bucket
# (whole seconds at least): a per-keystroke publish time would hand downstream the inter-key
# timing that the policy's coarsen_timestamp stage removes from the events.
TIMESTAMP_FLOOR_MS = 1000

Delivery = asyncio.Future[Any]  # set when the broker acknowledged a record batch
AnyRecord = Record | tuple[bytes | None, bytes | None]  # a changelog tombstone has no value
Headers = list[tuple[str, bytes]]


def timestamp_floor_ms(policy: Policy) -> int:
    """The coarsest ``coarsen_timestamp`` bucket of the policy (1 s at least)."""
    buckets = [
        CoarsenTimestampConfig(**stage.config).bucket_ms
        for stage in policy.stages
        if stage.transform == "coarsen_timestamp"
    ]
    return max([TIMESTAMP_FLOOR_MS, *buckets])


def floored_now_ms(floor_ms: int = TIMESTAMP_FLOOR_MS) -> int:
    now_ms = int(time.time() * 1000)
    return now_ms - now_ms % floor_ms


class BatchPublisher:
    def __init__(
        self, producer: Callable[[], AIOKafkaProducer], floor_ms: int = TIMESTAMP_FLOOR_MS
    ) -> None:
        # A getter, because Faust creates its producer only when the app starts.
        self._producer = producer
        self._floor_ms = floor_ms
        self._tails: dict[Destination, asyncio.Task[Delivery]] = {}
        self._tracked: set[str] = set()

    async def partition_count(self, topic: str) -> int:
        producer = self._producer()
        self._track(producer, topic)
        partitions = await producer.partitions_for(topic)
        return len(partitions)

    def _track(self, producer: AIOKafkaProducer, topic: str) -> None:
        # aiokafka refreshes metadata only for the topics its client tracks, and a topic it
        # learnt of from a whole-cluster refresh (the first one) is not tracked: once another
        # topic is added (the changelog, created at first assignment), the next refresh drops
        # the untracked ones, their leaders become unknown and their batches wait forever.
        # Every destination is therefore tracked explicitly.
        if topic not in self._tracked:
            producer.client.add_topic(topic)
            self._tracked.add(topic)

    def publish(
        self,
        records: Mapping[Destination, Sequence[AnyRecord]],
        headers: Mapping[Destination, Headers] | None = None,
    ) -> list[asyncio.Task[Delivery]]:
        """Queue every record without waiting; each task yields its batch's delivery future.
        ``headers`` (optional, per destination) go on every record sent there."""
        producer = self._producer()
        timestamp = floored_now_ms(self._floor_ms)
        handovers = []
        for destination, batch_records in records.items():
            if not batch_records:
                continue
            self._track(producer, destination[0])
            extra = {"headers": headers[destination]} if headers and destination in headers else {}
            batch = producer.create_batch()
            for key, value in batch_records:
                if batch.append(key=key, value=value, timestamp=timestamp, **extra) is None:
                    # Full: ship it and start the next one (a first record always fits).
                    handovers.append(self._hand_over(producer, batch, destination))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=timestamp, **extra)
            handovers.append(self._hand_over(producer, batch, destination))
        return handovers

    async def drain(self) -> None:
        """Wait until every record handed over so far is acknowledged (raises if one failed)."""
        tails = list(self._tails.values())
        self._tails.clear()
        await asyncio.gather(*[await tail for tail in tails])

    def _hand_over(
        self, producer: AIOKafkaProducer, batch: Any, destination: Destination
    ) -> asyncio.Task[Delivery]:
        task = asyncio.ensure_future(
            _after(self._tails.get(destination), producer, batch, destination)
        )
        self._tails[destination] = task
        return task


async def _after(
    previous: asyncio.Task[Delivery] | None,
    producer: AIOKafkaProducer,
    batch: Any,
    destination: Destination,
) -> Delivery:
    if previous is not None:
        await previous  # same partition: keep the order; an earlier failure fails this too
    topic, partition = destination
    delivery: Delivery = await producer.send_batch(batch, topic, partition=partition)
    return delivery


async def settle(
    handovers: Sequence[asyncio.Task[Delivery]],
    on_delivered: Callable[[], None],
    on_failed: Callable[[BaseException], None],
) -> None:
    """Call ``on_delivered`` once every record batch is acknowledged, else ``on_failed``."""
    try:
        deliveries = [await handover for handover in handovers]
        await asyncio.gather(*deliveries)
    except Exception as error:  # any Kafka error: the caller must not ack
        on_failed(error)
    else:
        on_delivered()
