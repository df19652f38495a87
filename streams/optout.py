"""The opt-out registry: users who asked that nothing of theirs be kept.

The registry is the compacted topic ``interactions.optout`` (key = raw user_id, value ``1`` =
opted out; a tombstone or any other value = not opted out), read by every worker into a Faust
GlobalTable, so each worker knows every user whatever partitions it owns, and picks up
``sanitizer optout add`` while it runs.

Privacy property: an opted-out user's message is dropped *before* any other stage. The message
key (the raw user_id, per the collectors' contract) is checked before the value is even decoded;
because collectors are buggy, the decoded events' ``user_id`` fields are checked too, so a
mis-keyed message cannot slip an opted-out user's events through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from kafka import KafkaProducer

from streams.connection import BrokerError, tool_client_config
from streams.settings import ServiceSettings
from streams.topics import OPTOUT_PARTITIONS
from transforms.event import Event, Quarantined
from transforms.pipeline import Dropped, Outcome, Pipeline
from transforms.typed_decode import Unchecked, decode_message

OPTED_OUT_VALUE = b"1"
OPTED_OUT = Dropped("optout")

# raw user_id (UTF-8 bytes) -> registry value; the in-memory store behind the GlobalTable.
Registry = Mapping[bytes, bytes | None]


def _is_opted_out(registry: Registry, user_id: Any) -> bool:
    if type(user_id) is not str:
        return False  # not a valid event: validation quarantines it later
    return registry.get(user_id.encode("utf-8", "surrogatepass")) == OPTED_OUT_VALUE


def screen_message(
    key: bytes | None, value: bytes | None, pipeline: Pipeline, registry: Registry
) -> list[Outcome]:
    """The opt-out check, then the privacy pipeline: one outcome per event of the message.

    With an empty registry this is exactly ``pipeline.sanitize_message``. Otherwise the value is
    decoded once here, to read its user ids, and its items are handed to the pipeline, so
    message handling (batches, limits) stays in one place, the core. An event the typed decoder
    did not accept is screened by the ``user_id`` it was sent with, valid or not.
    """
    if not registry:
        return pipeline.sanitize_message(value)
    if key is not None and registry.get(key) == OPTED_OUT_VALUE:
        return [OPTED_OUT]  # dropped unread: one outcome for the whole message
    if value is None:
        return pipeline.sanitize_message(value)
    items = decode_message(value)
    if type(items) is Quarantined:
        return [items]
    flags = [_is_opted_out(registry, _sent_user_id(item)) for item in items]  # type: ignore[union-attr]
    if not any(flags):
        return pipeline.sanitize_items(items)  # type: ignore[arg-type]
    # A mis-keyed batch mixing users: drop the opted-out events, sanitize the rest, and keep
    # every outcome at its event's index.
    kept = [item for item, flag in zip(items, flags, strict=True) if not flag]  # type: ignore[arg-type]
    outcomes = iter(pipeline.sanitize_items(kept))
    return [OPTED_OUT if flag else next(outcomes) for flag in flags]


def _sent_user_id(item: Event | Unchecked) -> Any:
    if type(item) is dict:
        return item["user_id"]
    raw = item.raw  # type: ignore[union-attr]
    return raw.get("user_id") if type(raw) is dict else None


class ExternalGlobalTable(faust.GlobalTable):  # type: ignore[misc]
    """A GlobalTable whose changelog is a topic that other programs write.

    Faust's assignor looks a global table's changelog up by ``_changelog_topic_name()``, which
    ignores a custom ``changelog_topic`` (faust-streaming 0.15.3): the leader then fails with a
    KeyError inside the consumer thread and the group never finishes rebalancing, silently.
    """

    def _changelog_topic_name(self) -> str:
        return str(self.changelog_topic.get_topic_name())


def optout_table(app: faust.App, settings: ServiceSettings) -> faust.GlobalTable:
    """The registry as a table every worker reads whole, live (``app.GlobalTable`` plus the fix)."""
    topic = app.topic(
        settings.optout_topic,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        compacting=True,
        partitions=OPTOUT_PARTITIONS,
    )
    table = ExternalGlobalTable(
        app,
        name="optout",
        key_type=bytes,
        value_type=bytes,
        partitions=OPTOUT_PARTITIONS,
        changelog_topic=topic,
        is_global=True,
        # Another process (``sanitizer optout``) writes the topic, so every worker must keep
        # reading all of its partitions, not only recover them at startup.
        synchronize_all_active_partitions=True,
        # Apply each change as it comes. With all partitions "active", Faust buffers live
        # changes by the *recovery* buffer size (default 1000): an opt-out would wait for
        # 999 more before it took effect.
        recovery_buffer_size=1,
        standby_buffer_size=1,
        beacon=app.tables.beacon,  # type: ignore[attr-defined]
    )
    return app.tables.add(table)  # type: ignore[return-value]


def registry_of(table: faust.GlobalTable) -> Registry:
    """The in-memory store's dict behind the table: plain lookups on the hot path."""
    return table.data.data  # type: ignore[no-any-return,attr-defined]


def publish_optout(settings: ServiceSettings, user_id: str, *, opted_out: bool) -> None:
    """``sanitizer optout add/remove``: write (or tombstone) the user's registry record."""
    if not user_id:
        raise ValueError("the user id must not be empty")
    producer = KafkaProducer(
        client_id="sanitizer-optout", acks="all", retries=5,
        **tool_client_config(settings, producer=True),
    )  # fmt: skip
    try:
        future = producer.send(
            settings.optout_topic,
            key=user_id.encode("utf-8"),
            value=OPTED_OUT_VALUE if opted_out else None,
        )
        future.get(timeout=30)  # raises if the broker did not take it: the user must know
    finally:
        producer.close(timeout=10)


def read_registry(settings: ServiceSettings) -> set[str]:
    """``sanitizer optout list``: the raw user ids opted out now, read from the beginning of the
    compacted topic to the end offsets it has when the read starts (the last record per key
    wins, as in the workers' table)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(enable_auto_commit=False, **tool_client_config(settings))
    state: dict[bytes, bytes | None] = {}
    try:
        numbers = consumer.partitions_for_topic(settings.optout_topic)
        if not numbers:
            raise BrokerError(
                f"topic {settings.optout_topic} does not exist: run `sanitizer topics create`"
            )
        partitions = [TopicPartition(settings.optout_topic, n) for n in sorted(numbers)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        while pending:
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if record.offset < ends[tp] and record.key is not None:
                        state[record.key] = record.value
            pending = {tp for tp in pending if consumer.position(tp) < ends[tp]}
    finally:
        consumer.close()
    return {
        key.decode("utf-8", "backslashreplace")
        for key, value in state.items()
        if value == OPTED_OUT_VALUE
    }
