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

from streams.connection import tool_client_config
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
    admin = KafkaAdminClient(client_id="sanitizer-topics", **tool_client_config(settings))
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


ROLES = ("raw", "sanitized", "quarantine", "opt-out")  # in topic_specs' order


@dataclass(frozen=True)
class TopicStatus:
    spec: TopicSpec
    role: str
    partitions: int | None  # None: the topic does not exist
    cleanup: str | None  # the topic's cleanup.policy as the cluster has it


def topic_status(settings: ServiceSettings) -> list[TopicStatus]:
    """``sanitizer topics list``: each of the service's topics as the cluster has it."""
    from kafka.admin import ConfigResource, ConfigResourceType

    specs = topic_specs(settings)
    admin = KafkaAdminClient(client_id="sanitizer-topics", **tool_client_config(settings))
    try:
        existing = set(admin.list_topics())
        present = [spec.name for spec in specs if spec.name in existing]
        partitions = {}
        cleanup: dict[str, str] = {}
        if present:
            for topic in admin.describe_topics(present):
                partitions[topic["name"]] = len(topic["partitions"])
            resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
            described = admin.describe_configs(resources, config_filter="all")
            for name, configs in described.get("topic", {}).items():
                entry = configs.get("cleanup.policy")
                if entry is not None:
                    cleanup[name] = str(entry.get("value"))
    finally:
        admin.close()
    return [
        TopicStatus(spec, role, partitions.get(spec.name), cleanup.get(spec.name))
        for spec, role in zip(specs, ROLES, strict=True)
    ]
