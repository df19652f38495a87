"""Fixtures for integration tests that need a real Kafka broker.

``kafka_broker`` (session scope) starts one single-node KRaft broker
(:class:`streams.kafka_local.LocalKafka`) for the whole test session; its
address is ``kafka_broker.bootstrap``. ``topic_factory`` (function scope)
creates uniquely named topics on it and deletes them afterwards.

Every test collected under ``tests/integration`` is marked ``integration``
(deselect with ``-m "not integration"``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from streams.kafka_local import KAFKA_VERSION, LocalKafka, default_cache_dir

_INTEGRATION_DIR = Path(__file__).resolve().parent

TopicFactory = Callable[..., str]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs real external services (Kafka via a local JVM)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Hooks in a sub-directory conftest still see every collected item, hence the path check.
    for item in items:
        if item.path.resolve().is_relative_to(_INTEGRATION_DIR):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[LocalKafka]:
    """A running single-node Kafka broker shared by the whole session."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed; cannot run a local Kafka broker")
    jars_cached = (default_cache_dir() / f"kafka-{KAFKA_VERSION}" / ".complete").is_file()
    if not jars_cached and shutil.which("mvn") is None:
        pytest.skip("Kafka jars are not cached and mvn is not installed to fetch them")
    broker = LocalKafka()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def topic_factory(kafka_broker: LocalKafka) -> Iterator[TopicFactory]:
    """Return ``make(partitions=1, *, prefix="test", configs=None) -> topic name``.

    Topics are created with replication factor 1 and are visible in metadata
    (leaders elected) when ``make`` returns; they are deleted at teardown.
    """
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap, client_id="topic-factory")
    created: list[str] = []

    def make(
        partitions: int = 1, *, prefix: str = "test", configs: dict[str, str] | None = None
    ) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        admin.create_topics(
            {
                name: {
                    "num_partitions": partitions,
                    "replication_factor": 1,
                    "configs": dict(configs or {}),
                }
            },
            wait_for_metadata=True,
        )
        created.append(name)
        return name

    try:
        yield make
    finally:
        try:
            if created:
                admin.delete_topics(created, raise_errors=False)
        finally:
            admin.close()
