"""A partition resumed after back-pressure is read at once: the wake, on a real broker.

The worker pauses a raw partition in Faust's consumer when too many of its records wait, and
resumes it once the delivery loop has caught up. Faust's fetch loop meanwhile waits in aiokafka
for records of the partitions it may read; the partition's next records are typically already
fetched, so no fetch wakes that read. This shows, with aiokafka's own fetcher on a real broker,
that such a read returns the resumed partition's records once woken
(``streams.consumer_thread``), and that without the wake it does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer

from localdev.kafka import LocalKafka
from streams.consumer_thread import _wake_waiters

RECORDS = 20
WAIT_S = 30.0  # how long the read may wait: far longer than the test looks


async def buffered_consumer(bootstrap: str, tp: TopicPartition) -> AIOKafkaConsumer:
    """A consumer of ``tp`` whose fetcher holds all of its records, not yet read."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    consumer.assign([tp])
    fetcher = consumer._fetcher
    for _ in range(200):
        if tp in fetcher._records:
            return consumer
        await asyncio.sleep(0.05)
    await consumer.stop()
    pytest.fail("the fetcher never held the partition's records")


def produce(bootstrap: str, topic: str) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for index in range(RECORDS):
        producer.send(topic, value=b"record-%d" % index, partition=0)
    producer.flush()
    producer.close()


@pytest.mark.parametrize("woken", [True, False], ids=["woken", "not-woken"])
async def test_a_waiting_read_returns_a_resumed_partitions_fetched_records_once_woken(
    kafka_broker: LocalKafka, topic_factory: Callable[..., str], woken: bool
) -> None:
    topic = topic_factory(1)
    produce(kafka_broker.bootstrap, topic)
    tp = TopicPartition(topic, 0)
    consumer = await buffered_consumer(kafka_broker.bootstrap, tp)
    try:
        fetcher = consumer._fetcher
        # Faust's active partitions, one of which (the opt-out table's) has nothing; ``tp``
        # is paused, so not in the set.
        active = {TopicPartition(f"{topic}-other", 0)}
        read = asyncio.ensure_future(fetcher.fetched_records(active, timeout=WAIT_S))
        await asyncio.sleep(0.5)
        assert not read.done(), "the read returned although no partition it may read had records"

        active.add(tp)  # what Faust's resume_partitions does
        if woken:
            _wake_waiters(fetcher._fetch_waiters)
        done, _ = await asyncio.wait([read], timeout=5.0)

        if woken:
            assert done, "a woken read did not return the resumed partition's records"
            values = [record.value for record in read.result()[tp]]
            assert values == [b"record-%d" % index for index in range(RECORDS)]
        else:  # the reason for the wake: the read goes on waiting, with the records in memory
            assert not done
            assert tp in fetcher._records
        read.cancel()
    finally:
        await consumer.stop()
