"""What the worker must have published, and what it did: the oracle and the topic readers.

The oracle is the batch pipeline (``transforms``, the same code the worker runs) applied to the
raw messages in partition and offset order: each sanitized event it makes must be in the
sanitized topic once, equal to it, and each reject in quarantine once, pointing at its raw
message. The secret scan is the independent check: it does not trust the pipeline. Used by the
fault run (``localdev.fault_run``) and the worker integration tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
import orjson
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from transforms.context import Context
from transforms.event import Quarantined
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy


def default_pipeline(hmac_key: str) -> Pipeline:
    """The default policy with ``hmac_key``: what a worker with that key runs, in-process."""
    return build_pipeline(load_policy(None), Context(keyring=Keyring(hmac_key.encode())))


@dataclass(frozen=True, order=True)
class Produced:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Expected:
    """What the oracle says the worker must publish for a set of produced messages (give them
    in offset order per partition: stateful stages depend on it)."""

    sanitized: dict[str, dict[str, Any]] = field(default_factory=dict)  # pseudonymous event_id
    order: dict[str, list[str]] = field(default_factory=dict)  # user pseudonym -> event ids
    quarantined: list[tuple[int, int, str]] = field(default_factory=list)  # partition, offset
    dropped: dict[str, int] = field(default_factory=dict)
    summaries: int = 0  # sanitized events beyond one per input (a stage fanned out)

    def add(self, pipeline: Pipeline, produced: Iterable[Produced]) -> None:
        for message in produced:
            for outcome in pipeline.sanitize_message(message.value):
                if isinstance(outcome, Sanitized):
                    self.summaries += len(outcome.preceding)
                    for event in outcome.events:
                        self.sanitized[event["event_id"]] = event
                        self.order.setdefault(event["user_id"], []).append(event["event_id"])
                elif isinstance(outcome, Dropped):
                    self.dropped[outcome.rule] = self.dropped.get(outcome.rule, 0) + 1
                else:
                    assert isinstance(outcome, Quarantined)
                    self.quarantined.append((message.partition, message.offset, outcome.reason))


def read_topic(
    bootstrap: str,
    topic: str,
    timeout: float = 30.0,
    isolation_level: str = "read_uncommitted",
) -> list[ConsumerRecord]:
    """Every record in ``topic`` up to its end offsets at call time, partition by partition.
    ``read_committed`` skips records of aborted transactions (read it when no transaction is
    open, or it waits for them)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level=isolation_level,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout:.0f} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def committed_lag(bootstrap: str, group: str, topic: str) -> int:
    """Raw messages not yet committed by ``group`` (end offsets - committed offsets)."""
    # A consumer with the group's id that never subscribes only reads the group's offsets.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        return sum(ends[tp] - (consumer.committed(tp) or 0) for tp in partitions)
    finally:
        consumer.close()


def group_members(bootstrap: str, group: str) -> int:
    """How many members the broker has in ``group`` now (a worker whose membership was lost
    and never rejoined is not one, however busy it is)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return len(admin.describe_groups([group])[group].get("members") or ())
    finally:
        admin.close()


def outside_group(bootstrap: str, group: str, workers: int, timeout: float = 60.0) -> int:
    """How many of ``workers`` running workers are not members of ``group`` (its coordinator
    lost them and they never rejoined), once a rebalance in flight had ``timeout`` to settle."""
    deadline = time.monotonic() + timeout
    while (members := group_members(bootstrap, group)) < workers:
        if time.monotonic() > deadline:
            return workers - members
        time.sleep(2.0)
    return 0


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def leaked_secrets(records: Iterable[ConsumerRecord], secrets: set[str]) -> set[str]:
    """Secrets found anywhere in any key or value: one Aho-Corasick pass over all the bytes
    (tens of thousands of secrets, megabytes of output)."""
    automaton = ahocorasick.Automaton()
    for secret in secrets:
        automaton.add_word(secret, secret)
    automaton.make_automaton()
    found: set[str] = set()
    for record in records:
        for part in (record.key, record.value):
            if part:
                text = part.decode("utf-8", "replace")
                found.update(secret for _, secret in automaton.iter(text))
    return found


def sanitized_by_event_id(records: Iterable[ConsumerRecord]) -> dict[str, list[dict[str, Any]]]:
    seen: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        event = orjson.loads(record.value)
        seen.setdefault(event["event_id"], []).append(event)
    return seen


def events_in_message(value: bytes | None) -> int:
    """How many raw events a message holds (an unreadable or empty one counts as one)."""
    try:
        decoded = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return 1
    return len(decoded) if isinstance(decoded, list) and decoded else 1
