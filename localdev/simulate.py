"""``sanitizer simulate``: synthetic collector traffic to a JSONL file or to the raw Kafka topic.

The events come from ``localdev.synthetic`` (pure, seeded: ``--seed`` reproduces a file byte for
byte). This module adds only the edges: pacing to a target rate, the Kafka producer (imported
lazily, so generating a file needs no Kafka client), the directory CSV and a progress display.
Kafka messages are batched as collectors batch them; a JSONL line is always one event, so
batches are flattened there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Any

import typer
from rich.console import Console

from localdev.synthetic.message import Message

if TYPE_CHECKING:
    from kafka import KafkaProducer

    from streams.settings import ServiceSettings

stderr = Console(stderr=True)


class Compression(StrEnum):
    none = "none"
    lz4 = "lz4"


class Pacer:
    """Holds a producer to ``rate`` events/s (0 = as fast as possible), sleeping only when
    ahead by a few milliseconds so that pacing costs nothing at high rates."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.started = time.perf_counter()
        self.events = 0

    def pace(self, events: int) -> None:
        self.events += events
        if self.rate > 0:
            ahead = self.events / self.rate - (time.perf_counter() - self.started)
            if ahead > 0.002:
                time.sleep(ahead)


def limit_events(messages: Iterable[Message], count: int) -> Iterator[Message]:
    """Exactly ``count`` events: the last batch is cut short if it would overshoot."""
    left = count
    for message in messages:
        if left <= 0:
            return
        if len(message.events) > left:
            kept = frozenset(i for i in message.malformed if i < left)
            message = replace(message, events=message.events[:left], malformed=kept)
        left -= len(message.events)
        yield message


def make_producer(
    bootstrap: str | None,
    compression: Compression = Compression.none,
    settings: ServiceSettings | None = None,
    **overrides: Any,
) -> KafkaProducer:
    """A kafka-python producer tuned for throughput: lingering 20 ms fills 256 KiB batches.

    Connection security (SASL, TLS) comes from ``settings``, by default the ``SANITIZER_*``
    environment like the worker's.
    """
    from kafka import KafkaProducer
    from kafka.codec import has_lz4

    from streams.connection import tool_client_config
    from streams.settings import load_settings

    if settings is None:
        settings = load_settings(**({"bootstrap_servers": bootstrap} if bootstrap else {}))
    if compression is Compression.lz4 and not has_lz4():
        raise typer.BadParameter(
            "lz4 needs the 'lz4' package: pip install lz4", param_hint="--compression"
        )
    options: dict[str, Any] = {
        "linger_ms": 20, "batch_size": 256 * 1024, "acks": 1, "max_request_size": 4 * 1024 * 1024,
        "compression_type": None if compression is Compression.none else compression.value,
    }  # fmt: skip
    return KafkaProducer(**tool_client_config(settings, producer=True), **(options | overrides))


def send_messages(
    producer: KafkaProducer,
    topic: str,
    messages: Iterable[Message],
    pacer: Pacer,
    on_sent: Callable[[Message], None] = lambda message: None,
) -> None:
    for message in messages:
        producer.send(topic, key=message.key.encode(), value=message.value())
        on_sent(message)
        pacer.pace(len(message.events))
    producer.flush()


def write_jsonl(out: IO[bytes], messages: Iterable[Message], pacer: Pacer,
                on_sent: Callable[[Message], None]) -> None:  # fmt: skip
    for message in messages:
        for line in message.lines():
            out.write(line + b"\n")
        on_sent(message)
        pacer.pace(len(message.events))
