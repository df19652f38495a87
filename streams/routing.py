"""Route a batch of raw Kafka messages to output records: opt-out → decode → policy → encode.

Pure and broker-free (errors are data): the core returns one outcome per event, and this module
only turns outcomes into records, grouped by destination partition so the publisher can send
one Kafka record batch per partition.

- ``Sanitized`` → ``interactions.sanitized``, key = the user pseudonym (the sanitized event's
  ``user_id``), partitioned like any Kafka client would (murmur2), so per-user order holds.
- ``Quarantined`` → ``interactions.quarantine``: reason/field/stage plus where the raw message
  sits, never its content unless explicitly enabled. No key: a raw user_id would leak.
- ``Dropped`` → nothing written, counted by rule.

No path writes anything of the raw message to the sanitized topic: only ``Sanitized`` events,
which the pipeline guarantees passed the allowlist stage, are encoded there.
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import orjson
from aiokafka.partitioner import murmur2

from streams.metrics import BatchTally
from streams.optout import Registry, screen_message
from transforms.event import Quarantined
from transforms.pipeline import MESSAGE_LEVEL_REASONS, Dropped, Outcome, Pipeline, Sanitized

log = logging.getLogger(__name__)

QUARANTINE_SCHEMA = "interaction.quarantine/v1"
WORKER_ERROR = Quarantined("internal_error", stage="worker")

Record = tuple[bytes | None, bytes]  # key, value
Destination = tuple[str, int]  # topic, partition


class RawMessage(Protocol):
    """What routing needs of a consumed message (a Faust ``Message`` has all of it)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@lru_cache(maxsize=65536)
def partition_for(key: bytes, count: int) -> int:
    """The Java client's default partitioner; cached, as a user's pseudonym repeats all day."""
    return (murmur2(key) & 0x7FFFFFFF) % count


@dataclass
class Routed:
    """The output records of one batch, and what to count and commit for it."""

    records: defaultdict[Destination, list[Record]] = field(
        default_factory=lambda: defaultdict(list)
    )
    tally: BatchTally = field(default_factory=BatchTally)
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)


class Router:
    """Turns raw messages into records; ``registry`` is swapped in by the agent per batch."""

    def __init__(
        self,
        pipeline: Pipeline,
        registry: Registry,
        *,
        sanitized_topic: str,
        quarantine_topic: str,
        include_raw: bool = False,
    ) -> None:
        self.pipeline = pipeline
        self.registry = registry
        self.sanitized_topic = sanitized_topic
        self.quarantine_topic = quarantine_topic
        self.include_raw = include_raw

    def route(
        self,
        messages: Iterable[RawMessage],
        sanitized_count: int,
        quarantine_count: int,
        into: Routed | None = None,
    ) -> Routed:
        """Route ``messages``, adding to ``into`` (a batch routed in several slices) if given."""
        routed = Routed() if into is None else into
        records, tally, next_offsets = routed.records, routed.tally, routed.next_offsets
        sanitized_topic, pipeline, registry = self.sanitized_topic, self.pipeline, self.registry
        for message in messages:
            tally.messages += 1
            next_offsets[(message.topic, message.partition)] = message.offset + 1
            try:
                outcomes = screen_message(message.key, message.value, pipeline, registry)
            except Exception as error:  # the worker never crashes on input: fail closed
                log.error("routing raised %s; message quarantined", type(error).__name__)
                outcomes = [WORKER_ERROR]
            for index, outcome in enumerate(outcomes):
                if type(outcome) is Sanitized:
                    # Usually one event; a stage that closes a summary adds it before.
                    placed_all = [
                        self._encode_sanitized(event, message, sanitized_count)
                        for event in outcome.events
                    ]
                    if None not in placed_all:
                        for placed in placed_all:
                            records[(sanitized_topic, placed[0])].append(placed[1])  # type: ignore[index]
                        tally.sanitized += 1
                        tally.fanned_out += len(placed_all) - 1
                        continue
                    outcome = Quarantined("encode_error", stage="worker")
                elif type(outcome) is Dropped:
                    tally.dropped[outcome.rule] += 1
                    continue
                self._quarantine(outcome, index, len(outcomes), message, quarantine_count, routed)
        return routed

    def _encode_sanitized(
        self, event: dict[str, object], message: RawMessage, count: int
    ) -> tuple[int, Record] | None:
        try:
            value = orjson.dumps(event)
        except (TypeError, orjson.JSONEncodeError):
            return None
        user = event.get("user_id")
        if type(user) is str:
            key = user.encode()
            return partition_for(key, count), (key, value)
        # A policy that drops the pseudonym loses per-user order, not data.
        return message.partition % count, (None, value)

    def _quarantine(
        self,
        outcome: Outcome,
        index: int,
        n_outcomes: int,
        message: RawMessage,
        count: int,
        routed: Routed,
    ) -> None:
        problem = outcome if isinstance(outcome, Quarantined) else WORKER_ERROR
        record: dict[str, object] = {"schema": QUARANTINE_SCHEMA, **problem.as_record()}
        record |= {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        if problem.reason not in MESSAGE_LEVEL_REASONS and (
            n_outcomes > 1 or is_batch_message(message.value)
        ):
            record["index"] = index
        if self.include_raw and message.value is not None:
            record["raw_b64"] = base64.b64encode(message.value).decode("ascii")
        routed.records[(self.quarantine_topic, message.partition % count)].append(
            (None, orjson.dumps(record))
        )
        routed.tally.quarantined[problem.reason] += 1


def is_batch_message(value: bytes | None) -> bool:
    return value is not None and value.lstrip()[:1] == b"["
