"""At-least-once without needless replays: partitions handed over in order produce no duplicate.

Traffic flows while a second worker joins, the first is stopped with SIGTERM (the second takes
its partitions over) and a third joins (the second gives some of them away again). Each worker
commits what it delivered when its partitions are revoked, including partitions it took over
(Faust's per-message acking used to commit those one offset at a time and replay them at the
next rebalance), so the sanitized topic holds every event once; and since stage state moves with
its partition, each event is byte-for-byte what the batch pipeline makes of it.
"""

from __future__ import annotations

import os
import random
import signal
import threading

import orjson

from tests.integration.worker_harness import (
    KINDS,
    Expected,
    Produced,
    Traffic,
    committed_lag,
    health,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)


def test_orderly_handovers_commit_what_was_delivered(kafka_broker, service_env, start_worker):
    bootstrap, raw = kafka_broker.bootstrap, service_env["SANITIZER_RAW_TOPIC"]
    traffic, rng, oracle, expected = Traffic(), random.Random(31), oracle_pipeline(), Expected()
    users = [traffic.user(n) for n in range(16)]

    def messages(n_single: int, n_batches: int) -> list[tuple[bytes | None, bytes | None]]:
        out = [traffic.single(rng.choice(users), rng.choice(KINDS)) for _ in range(n_single)]
        out += [
            traffic.batch(rng.choice(users), rng.choices(KINDS, k=40)) for _ in range(n_batches)
        ]
        return out

    during: list[Produced] = []
    stop = threading.Event()

    def feed() -> None:
        while not stop.is_set():
            during.extend(produce(bootstrap, raw, messages(150, 3)))

    expected.add(oracle, produce(bootstrap, raw, messages(3000, 100)))
    first = start_worker()
    wait_until(
        lambda: first.metrics().get("sanitizer_events_in_total", 0.0) >= 1500, 60, "first busy"
    )
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    second = start_worker()
    wait_until(lambda: bool(health(second)["raw_partitions"]), 90, "the second worker to join")
    os.killpg(first.pid, signal.SIGTERM)  # the second takes every partition over
    first.stop(timeout=60)
    assert "Traceback" not in first.log_path.read_text(errors="replace"), first.log_tail()
    wait_until(lambda: len(health(second)["raw_partitions"]) == 4, 90, "the takeover")
    wait_until(
        lambda: second.metrics().get("sanitizer_events_in_total", 0.0) >= 3000,
        90,
        "the second worker to work on its taken-over partitions",
    )
    third = start_worker()  # the second gives partitions it took over away again
    wait_until(lambda: bool(health(third)["raw_partitions"]), 90, "the third worker to join")
    stop.set()
    feeder.join(timeout=60)
    expected.add(oracle, during)

    group = service_env["SANITIZER_CONSUMER_GROUP"]
    wait_until(lambda: committed_lag(bootstrap, group, raw) == 0, 120, "all input committed")
    seen = sanitized_by_event_id(read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"]))
    lost = expected.sanitized.keys() - seen.keys()
    duplicates = sum(len(copies) - 1 for copies in seen.values())
    assert not lost, f"{len(lost)} events lost"
    assert seen.keys() == expected.sanitized.keys()
    assert duplicates == 0, f"{duplicates} duplicates after orderly handovers"
    for event_id, copies in seen.items():
        assert orjson.dumps(copies[0]) == orjson.dumps(expected.sanitized[event_id])
    print(f"at_least_once, 3 orderly handovers: {len(seen)} events, 0 duplicates, 0 lost")
