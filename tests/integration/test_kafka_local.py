"""End-to-end check of the local broker: produce keyed messages, consume them all back."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING

from kafka import KafkaConsumer, KafkaProducer

from localdev.kafka import LocalKafka

if TYPE_CHECKING:  # conftest is pytest's to import; only borrow its type alias
    from tests.integration.conftest import TopicFactory

N_MESSAGES = 100
N_KEYS = 10
N_PARTITIONS = 3


def test_produce_consume_roundtrip(kafka_broker: LocalKafka, topic_factory: TopicFactory) -> None:
    assert kafka_broker.bootstrap.startswith("127.0.0.1:")
    topic = topic_factory(N_PARTITIONS, prefix="roundtrip")

    sent: dict[str, tuple[str, int]] = {}  # value -> (key, partition reported by the producer)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all", linger_ms=5)
    try:
        futures = []
        for i in range(N_MESSAGES):
            key = f"key-{i % N_KEYS}"
            value = f"value-{i:03d}"
            futures.append(
                (key, value, producer.send(topic, key=key.encode(), value=value.encode()))
            )
        producer.flush(timeout=30)
        for key, value, fut in futures:
            meta = fut.get(timeout=30)
            sent[value] = (key, meta.partition)
    finally:
        producer.close(timeout=10)

    received: dict[str, tuple[str, int]] = {}
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=f"roundtrip-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        deadline = time.monotonic() + 60
        while len(received) < N_MESSAGES and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for rec in records:
                    assert rec.key is not None and rec.value is not None
                    value = rec.value.decode()
                    assert value not in received, f"duplicate delivery of {value}"
                    received[value] = (rec.key.decode(), rec.partition)
    finally:
        consumer.close()

    assert set(received) == set(sent) == {f"value-{i:03d}" for i in range(N_MESSAGES)}
    # What we consumed is exactly where the producer said it put it.
    assert received == sent

    partitions_by_key: dict[str, set[int]] = defaultdict(set)
    for key, partition in received.values():
        partitions_by_key[key].add(partition)
    assert len(partitions_by_key) == N_KEYS
    assert all(len(parts) == 1 for parts in partitions_by_key.values()), partitions_by_key
    used = set().union(*partitions_by_key.values())
    assert used <= set(range(N_PARTITIONS))
    assert len(used) > 1, "10 distinct keys should spread over more than one of 3 partitions"
