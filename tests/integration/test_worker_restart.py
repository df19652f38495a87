"""A worker stopped mid-stream and restarted resumes from its committed offsets, losing nothing.

Offsets are committed only after the outputs of their batch were acknowledged by Kafka, so
whatever a stopped worker had not finished is processed again by its successor: no event is
missing, and duplicates (at-least-once) are counted and reported. SIGTERM is the orderly stop
of an orchestrator; SIGKILL (kill -9) is the crash.
"""

from __future__ import annotations

import os
import random
import signal

import pytest

from tests.integration.worker_harness import (
    STATELESS_KINDS,
    Expected,
    Traffic,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_restarted_worker_resumes_without_loss(
    kafka_broker, service_env, start_worker, stop_signal
):
    bootstrap, raw = kafka_broker.bootstrap, service_env["SANITIZER_RAW_TOPIC"]
    traffic, rng, oracle = Traffic(), random.Random(5), oracle_pipeline()
    users = [traffic.user(n) for n in range(30)]

    def traffic_batch(n_single: int, n_batches: int) -> list[tuple[bytes | None, bytes | None]]:
        messages = [
            traffic.single(rng.choice(users), rng.choice(STATELESS_KINDS)) for _ in range(n_single)
        ]
        messages += [
            traffic.batch(rng.choice(users), rng.choices(STATELESS_KINDS, k=50))
            for _ in range(n_batches)
        ]
        rng.shuffle(messages)
        return messages

    expected = Expected()
    expected.add(oracle, produce(bootstrap, raw, traffic_batch(4000, 240)))  # 16k events
    total_first = len(expected.sanitized)

    # A killed worker's partitions stay with it until its session times out: keep that short.
    # Frequent commits, so that the stop falls between commits rather than before the first.
    tuning = {"SANITIZER_SESSION_TIMEOUT_S": "8", "SANITIZER_COMMIT_INTERVAL_S": "0.2"}
    first = start_worker(**tuning)
    wait_until(
        lambda: first.metrics().get("sanitizer_events_in_total", 0.0) >= 3000,
        60,
        "the first worker to get going",
    )
    os.killpg(first.pid, stop_signal)
    first.stop(timeout=30)  # waits for the exit (SIGKILL after 30 s)
    log = first.log_path.read_text(errors="replace")
    assert "Traceback" not in log or stop_signal == signal.SIGKILL, first.log_tail()

    second = start_worker(**tuning)
    expected.add(oracle, produce(bootstrap, raw, traffic_batch(500, 20)))

    def all_there() -> bool:
        records = read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"])
        return sanitized_by_event_id(records).keys() >= expected.sanitized.keys()

    wait_until(all_there, 120, "every event after the restart", interval=2.0)
    seen = sanitized_by_event_id(read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"]))
    assert seen.keys() == expected.sanitized.keys(), "lost or unexpected events"
    # Content too, seq included: stage state (renumber_seq's counters) is restored from its
    # changelog as of the committed offset, so a redone event is the same as its first copy.
    for key, copies in seen.items():
        for copy in copies:
            assert copy == expected.sanitized[key]
    duplicates = sum(len(copies) - 1 for copies in seen.values())
    redone = second.metrics()["sanitizer_events_in_total"] - (len(expected.sanitized) - total_first)
    print(
        f"{signal.Signals(stop_signal).name}: {len(seen)} events, {total_first} before the stop, "
        f"{duplicates} duplicates in the sanitized topic; the restarted worker re-read "
        f"{redone:.0f} events"
    )
