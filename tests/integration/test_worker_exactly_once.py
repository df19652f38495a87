"""Exactly-once across a crash, an orderly stop and the rebalances they cause, read read_committed.

Two workers with ``SANITIZER_PROCESSING_GUARANTEE=exactly_once`` share the raw partitions while
collectors keep producing: one is killed (SIGKILL) mid-stream and restarted, then the other is
stopped (SIGTERM) mid-stream, so partitions move three times with work in flight. Read
``read_committed``, the sanitized and quarantine topics then hold every raw event's outcome
exactly once, and each sanitized event is byte-for-byte what the batch pipeline makes of the
same input in order: typing summaries and ``seq`` included, which depend on stage state that
therefore survived the crash and moved with its partition (streams.session_store).
"""

from __future__ import annotations

import os
import random
import signal
from collections import Counter

import orjson

from localdev.canary_traffic import malformed_messages
from localdev.outcomes import events_in_message
from tests.integration.worker_harness import (
    KINDS,
    Expected,
    Traffic,
    committed_lag,
    leaked_secrets,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)

EOS = {
    "SANITIZER_PROCESSING_GUARANTEE": "exactly_once",
    "SANITIZER_SESSION_TIMEOUT_S": "8",  # the killed worker's partitions move within seconds
}


def test_exactly_once_across_kill_term_and_rebalances(kafka_broker, service_env, start_worker):
    bootstrap, raw = kafka_broker.bootstrap, service_env["SANITIZER_RAW_TOPIC"]
    traffic, rng, oracle, expected = Traffic(), random.Random(23), oracle_pipeline(), Expected()
    users = [traffic.user(n) for n in range(10)]
    n_events = 0

    def send(n_single: int, n_batches: int, hostile: bool = False) -> None:
        nonlocal n_events
        messages = [traffic.single(rng.choice(users), rng.choice(KINDS)) for _ in range(n_single)]
        messages += [
            traffic.batch(rng.choice(users), rng.choices(KINDS, k=40)) for _ in range(n_batches)
        ]
        if hostile:  # keyed ones: a session's events must stay in its user's partition
            messages += [m for m in malformed_messages(traffic, users) if m[0] is not None]
        produced = produce(bootstrap, raw, messages)
        expected.add(oracle, produced)
        n_events += sum(events_in_message(value) for _, value in messages)

    def events_in(worker: object) -> float:
        return float(worker.metrics().get("sanitizer_events_in_total", 0.0))  # type: ignore[attr-defined]

    send(3000, 150, hostile=True)
    first, second = start_worker(**EOS), start_worker(**EOS)
    wait_until(lambda: events_in(first) >= 1500, 90, "the first worker to get going")
    os.killpg(first.pid, signal.SIGKILL)  # mid-stream: its open transactions must vanish
    first.stop(timeout=30)
    send(1000, 50, hostile=True)
    restarted = start_worker(**EOS)
    send(1000, 50)
    wait_until(lambda: events_in(second) >= 1500, 90, "the second worker to be busy")
    os.killpg(second.pid, signal.SIGTERM)  # orderly: commits what it finished, aborts nothing
    second.stop(timeout=60)
    assert "Traceback" not in second.log_path.read_text(errors="replace"), second.log_tail()
    send(1000, 50, hostile=True)

    group = service_env["SANITIZER_CONSUMER_GROUP"]
    wait_until(lambda: committed_lag(bootstrap, group, raw) == 0, 180, "all input committed")
    restarted.stop(timeout=60)  # no transaction left open: read everything read_committed

    def committed(topic: str) -> list:  # type: ignore[type-arg]
        return read_topic(bootstrap, topic, timeout=60, isolation_level="read_committed")

    sanitized = committed(service_env["SANITIZER_SANITIZED_TOPIC"])
    quarantine = committed(service_env["SANITIZER_QUARANTINE_TOPIC"])
    seen = sanitized_by_event_id(sanitized)
    duplicates = sum(len(copies) - 1 for copies in seen.values())
    lost = expected.sanitized.keys() - seen.keys()
    assert not lost, f"{len(lost)} sanitized events lost"
    assert seen.keys() == expected.sanitized.keys(), "unexpected sanitized events"
    assert duplicates == 0
    for event_id, copies in seen.items():  # byte-identical content: stage state was durable
        assert orjson.dumps(copies[0]) == orjson.dumps(expected.sanitized[event_id])

    places = Counter(
        (r["partition"], r["offset"], r.get("index"), r["reason"])
        for r in map(orjson.loads, (record.value for record in quarantine))
    )
    assert max(places.values()) == 1, "a quarantine record was duplicated"
    assert sorted((p, o, reason) for p, o, _, reason in places) == sorted(expected.quarantined)
    assert not leaked_secrets(sanitized + quarantine, traffic.secrets)

    # A typing summary closed by a command leaves beside it: one input, two sanitized events.
    inputs_sanitized = len(seen) - expected.summaries
    accounted = inputs_sanitized + len(places) + sum(expected.dropped.values())
    assert accounted == n_events
    print(
        f"exactly_once: {n_events} events accounted: {len(seen)} sanitized, {len(places)} "
        f"quarantined, {sum(expected.dropped.values())} dropped by rules; "
        f"{duplicates} duplicates, {len(lost)} lost"
    )
