"""Fixtures for integration tests that need a real Kafka broker.

``kafka_broker`` (session scope) starts one single-node KRaft broker
(:class:`localdev.kafka.LocalKafka`) for the whole test session; its
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

from localdev.kafka import KAFKA_VERSION, LocalKafka, default_cache_dir

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


def require_local_kafka() -> None:
    """Skip the test when no local broker can be run (no java, no jars and no mvn)."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed; cannot run a local Kafka broker")
    jars_cached = (default_cache_dir() / f"kafka-{KAFKA_VERSION}" / ".complete").is_file()
    if not jars_cached and shutil.which("mvn") is None:
        pytest.skip("Kafka jars are not cached and mvn is not installed to fetch them")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[LocalKafka]:
    """A running single-node Kafka broker shared by the whole session."""
    require_local_kafka()
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


# --- streaming worker fixtures (tests/integration/test_worker_*.py) ---------------------------


@pytest.fixture
def service_env(kafka_broker: LocalKafka) -> Iterator[dict[str, str]]:
    """``SANITIZER_*`` settings of a worker on fresh topics (4 partitions each, made by
    ``streams.topics.create_topics``, the code behind ``sanitizer topics create``)."""
    from streams.settings import ServiceSettings
    from streams.topics import create_topics, topic_specs
    from tests.integration.worker_harness import TEST_HMAC_KEY

    suffix = uuid.uuid4().hex[:10]
    env = {
        "SANITIZER_BOOTSTRAP_SERVERS": kafka_broker.bootstrap,
        "SANITIZER_RAW_TOPIC": f"raw-{suffix}",
        "SANITIZER_SANITIZED_TOPIC": f"sanitized-{suffix}",
        "SANITIZER_QUARANTINE_TOPIC": f"quarantine-{suffix}",
        "SANITIZER_OPTOUT_TOPIC": f"optout-{suffix}",
        "SANITIZER_PARTITIONS": "4",
        "SANITIZER_CONSUMER_GROUP": f"sanitizer-{suffix}",
        "SANITIZER_HMAC_KEY": TEST_HMAC_KEY,
    }
    settings = ServiceSettings(
        **{name.removeprefix("SANITIZER_").lower(): value for name, value in env.items()}
    )
    create_topics(settings)
    try:
        yield env
    finally:
        admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
        try:
            names = [spec.name for spec in topic_specs(settings)]
            admin.delete_topics(names, raise_errors=False)
        finally:
            admin.close()


@pytest.fixture
def start_worker(service_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., object]]:
    """``start(**env) -> WorkerProcess``: ``sanitizer worker`` as a child process, healthy
    when returned; every worker is stopped (SIGTERM, bounded) at teardown, and its log tail
    printed (pytest shows it when the test fails)."""
    from localdev.worker_process import WorkerProcess, clean_environment, free_port, worker_command

    workers: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        port, n = free_port(), len(workers)
        env = service_env | {
            "SANITIZER_METRICS_PORT": str(port),
            "SANITIZER_DATA_DIR": str(tmp_path / f"worker-{n}"),
        }
        worker = WorkerProcess(
            worker_command(),
            clean_environment(env | overrides),
            tmp_path / f"worker-{n}.log",
            metrics_port=port,
        )
        workers.append(worker.start())
        worker.wait_healthy(timeout=120)
        return worker

    try:
        yield start
    finally:
        for n, worker in enumerate(workers):
            worker.stop(timeout=30)
            print(f"--- worker {n} log (tail) ---\n{worker.log_tail(40)}")
