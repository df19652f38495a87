"""A real single-node Apache Kafka (KRaft) broker for tests and demos, from jars that Maven fetches
into a cache: ``jars`` fetches, ``config`` writes its files, ``process`` holds the OS helpers,
``broker`` runs it, ``__main__`` is ``scripts/kafka-local``."""

from localdev.kafka.broker import LocalKafka
from localdev.kafka.config import SaslSslListener
from localdev.kafka.jars import (
    KAFKA_VERSION,
    SCALA_VERSION,
    KafkaLocalError,
    default_cache_dir,
    ensure_jars,
)

__all__ = [
    "KAFKA_VERSION",
    "SCALA_VERSION",
    "KafkaLocalError",
    "LocalKafka",
    "SaslSslListener",
    "default_cache_dir",
    "ensure_jars",
]
