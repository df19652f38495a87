"""The four topics of the streaming service, and ``sanitizer topics create``.

``interactions.raw``        keyed by the raw user_id (collectors' contract), delete policy.
``interactions.sanitized``  keyed by the user pseudonym, so per-user order holds downstream.
``interactions.quarantine`` one record per rejected event: reason, field, stage and where the
                            raw message sits (topic/partition/offset/index), never its content
                            unless ``SANITIZER_QUARANTINE_INCLUDE_RAW`` is set.
``interactions.optout``     compacted, key = raw user_id, value ``1`` = opted out.

Names, partitions, replication and retention come from ``ServiceSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from streams.broker_wait import raise_if_refused
from streams.settings import ServiceSettings

OPTOUT_PARTITIONS = 1  # a few thousand tiny records: one partition keeps reads trivial


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(settings: ServiceSettings) -> list[TopicSpec]:
    def delete_after(ms: int) -> dict[str, str]:
        return {"cleanup.policy": "delete", "retention.ms": str(ms)}

    replication = settings.replication_factor
    return [
        TopicSpec(
            settings.raw_topic,
            settings.partitions,
            replication,
            delete_after(settings.retention_ms),
        ),
        TopicSpec(
            settings.sanitized_topic,
            settings.partitions,
            replication,
            delete_after(settings.retention_ms),
        ),
        TopicSpec(
            settings.quarantine_topic,
            settings.partitions,
            replication,
            delete_after(settings.quarantine_retention_ms),
        ),
        # Compacted and kept forever: an opt-out must outlive any retention window.
        TopicSpec(
            settings.optout_topic,
            OPTOUT_PARTITIONS,
            replication,
            {"cleanup.policy": "compact", "retention.ms": "-1"},
        ),
    ]


@dataclass(frozen=True)
class CreateResult:
    created: list[str]
    existing: list[str]


def create_topics(settings: ServiceSettings, *, timeout_ms: int = 30_000) -> CreateResult:
    """Create the missing topics; existing ones are left exactly as they are (idempotent)."""
    specs = topic_specs(settings)
    raise_if_refused(settings)  # a wrong password says so, rather than timing out
    admin = KafkaAdminClient(client_id="sanitizer-topics", **settings.kafka_python_config())
    try:
        response = admin.create_topics(
            {
                spec.name: {
                    "num_partitions": spec.partitions,
                    "replication_factor": spec.replication,
                    "configs": spec.configs,
                }
                for spec in specs
            },
            timeout_ms=timeout_ms,
            raise_errors=False,
        )
        created, existing = [], []
        for topic in response["topics"]:
            code = topic["error_code"]
            if code == 0:
                created.append(topic["name"])
            elif code == TopicAlreadyExistsError.errno:
                existing.append(topic["name"])
            else:
                message = topic.get("error_message") or f"error code {code}"
                raise RuntimeError(f"cannot create topic {topic['name']}: {message}")
        if created:
            admin.wait_for_topics(created, timeout_ms=timeout_ms)
        return CreateResult(sorted(created), sorted(existing))
    finally:
        admin.close()
