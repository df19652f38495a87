"""The Kafka side of durable stage state: the changelog topic and reading a partition of it back.

The changelog topic (``<consumer group>-session-state-changelog``, compacted) has as many
partitions as the raw topic: the state of raw partition ``p`` lives in its partition ``p``, so it
moves with ``p`` at a rebalance. The worker creates it at first use. It is read back
``read_committed`` (under exactly-once, changes of aborted transactions never come back).

A partition's first batch waits for that read, so the reader is not waited for as it closes:
under TLS on the worker's event loop (uvloop), closing a connection whose fetch answer is still
on its way waits for the TLS shutdown timeout, 30 s (uvloop reads nothing after its
close_notify, so it never sees the broker's: MagicStack/uvloop#471), and the reader's fetcher
always has a fetch waiting at the broker once it has caught up.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.settings import SecurityProtocol, ServiceSettings

log = logging.getLogger(__name__)

ChangelogEntry = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]

# Readers closing in the background (a strong reference each until they are closed).
_closing: set[asyncio.Task[None]] = set()


def changelog_topic(settings: ServiceSettings) -> str:
    return f"{settings.consumer_group}-session-state-changelog"


def kafka_options(settings: ServiceSettings) -> dict[str, Any]:
    """Connection options for the worker's own aiokafka clients (the same as Faust's)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_list,
        "security_protocol": settings.security_protocol.value,
    }
    if settings.security_protocol.startswith("SASL_"):
        assert settings.sasl_password is not None  # checked by the settings validator
        options |= {
            "sasl_mechanism": settings.sasl_mechanism.value,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_password.get_secret_value(),
        }
    if settings.security_protocol in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL):
        options["ssl_context"] = settings.ssl_context()
    return options


async def ensure_changelog(app: faust.App, settings: ServiceSettings, partitions: int) -> None:
    """Create the changelog topic if it does not exist (compacted, one partition per raw one)."""
    await app.consumer.create_topic(
        changelog_topic(settings),
        partitions,
        settings.replication_factor,
        compacting=True,
        deleting=False,
        ensure_created=False,  # an existing topic is kept (another worker made it first)
    )


async def read_changelog(settings: ServiceSettings, partition: int) -> list[ChangelogEntry]:
    """Every committed record of changelog partition ``partition``, in log order."""
    tp = TopicPartition(changelog_topic(settings), partition)
    consumer = AIOKafkaConsumer(
        **kafka_options(settings),
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]  # read_committed: the last stable offset
        await consumer.seek_to_beginning(tp)
        entries: list[ChangelogEntry] = []
        while await consumer.position(tp) < end:
            batches = await consumer.getmany(tp, timeout_ms=1000)
            for record in batches.get(tp, ()):
                entries.append((record.key, record.value, list(record.headers)))
        return entries
    finally:
        close_in_background(consumer)


def close_in_background(consumer: AIOKafkaConsumer) -> asyncio.Task[None]:
    """Stop ``consumer`` without waiting for its connections to close (see the module doc)."""
    closing = asyncio.ensure_future(consumer.stop())
    _closing.add(closing)
    closing.add_done_callback(_closed)
    return closing


def _closed(closing: asyncio.Task[None]) -> None:
    _closing.discard(closing)
    if not closing.cancelled() and closing.exception() is not None:
        log.debug("closing a changelog reader: %r", closing.exception())
