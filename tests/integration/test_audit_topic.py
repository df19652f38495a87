"""``sanitizer audit --topic`` reads a real topic from its beginning and reports where a leak is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
from kafka import KafkaProducer

from localdev.kafka import LocalKafka
from tests.integration.conftest import TopicFactory

CLEAN = {
    "schema": "interaction.sanitized/v1", "event_id": "ab" * 16, "user_id": "cd" * 16,
    "session_id": "ef" * 16, "key_id": "0123456789ab", "ts": 1_778_758_187_000,
    "type": "window_focus", "app": "Slack", "window_title": "general - <PERSON> - Slack",
}  # fmt: skip
CANARY = "Zebra-Quokka-Canary-7731"


def produce(bootstrap: str, topic: str, events: list[dict[str, object]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for index, event in enumerate(events):
        producer.send(topic, value=orjson.dumps(event), partition=index % 2)
    producer.flush()
    producer.close()


def run_audit(bootstrap: str, topic: str, canaries: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANITIZER_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "audit", "--topic", topic, "--bootstrap", bootstrap,
         "--canaries", str(canaries), "--no-presidio"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_audit_of_a_topic_finds_the_leak_and_names_its_offset(
    kafka_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    canaries = tmp_path / "canaries.txt"
    canaries.write_text(CANARY + "\n")
    clean_topic, leaky_topic = topic_factory(partitions=2), topic_factory(partitions=2)
    produce(kafka_broker.bootstrap, clean_topic, [CLEAN] * 6)
    leaky = {**CLEAN, "window_title": f"notes {CANARY.lower()} - Slack"}
    produce(kafka_broker.bootstrap, leaky_topic, [CLEAN] * 5 + [leaky])

    clean = run_audit(kafka_broker.bootstrap, clean_topic, canaries)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no findings in 6 records of topic" in clean.stdout  # says how much it read

    found = run_audit(kafka_broker.bootstrap, leaky_topic, canaries)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "canary" in found.stdout and "partition/offset 1/2" in found.stdout
    assert CANARY.casefold() not in found.stdout.casefold()  # the secret itself is not echoed
