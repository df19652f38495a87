"""Support for the worker integration tests: traffic with canaries, Kafka I/O, an oracle.

The oracle is the batch pipeline run in the test process on the very messages produced: the
worker must publish exactly its sanitized events and quarantine exactly its rejects, each once.
The canary and raw-identifier scans are the independent check: they do not trust the pipeline.
Traffic, oracle and topic readers live in ``localdev`` (the fault run uses them too); this
module adds the test key and the tests' own Kafka and CLI helpers.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

import orjson
from kafka import KafkaProducer

from localdev.canary_traffic import KINDS, STATELESS_KINDS, T0, Message, Traffic
from localdev.outcomes import (
    Expected,
    Produced,
    committed_lag,
    default_pipeline,
    leaked_secrets,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)
from transforms.pipeline import Pipeline

__all__ = [
    "KINDS",
    "STATELESS_KINDS",
    "T0",
    "TEST_HMAC_KEY",
    "Expected",
    "Message",
    "Produced",
    "Traffic",
    "committed_lag",
    "health",
    "leaked_secrets",
    "oracle_pipeline",
    "produce",
    "read_topic",
    "sanitized_by_event_id",
    "sanitizer_cli",
    "wait_until",
]

TEST_HMAC_KEY = "integration-test-hmac-key-0123456789"


def oracle_pipeline() -> Pipeline:
    """The default policy with the test key: what the worker runs, built in-process."""
    return default_pipeline(TEST_HMAC_KEY)


def produce(bootstrap: str, topic: str, messages: Iterable[Message]) -> list[Produced]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10)
    try:
        pending = [(k, v, producer.send(topic, key=k, value=v)) for k, v in messages]
        producer.flush(timeout=60)
        return [Produced(f.get(30).partition, f.get(30).offset, k, v) for k, v, f in pending]
    finally:
        producer.close(timeout=10)


def health(worker: Any) -> dict[str, Any]:
    """The worker's ``/healthz`` report (a ``localdev.worker_process.WorkerProcess``)."""
    url = f"http://127.0.0.1:{worker.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return dict(orjson.loads(response.read()))
    except urllib.error.HTTPError as error:
        return dict(orjson.loads(error.read()))


def sanitizer_cli(env: dict[str, str], *args: str) -> str:
    """Run ``sanitizer ARGS`` (the real command line) with ``env`` as its only settings."""
    from localdev.worker_process import clean_environment

    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=clean_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
