"""Two workers in one consumer group share the raw partitions and lose nothing.

Scaling out is starting another ``sanitizer worker`` with the same group: Kafka splits the raw
topic's partitions between them, and the opt-out registry (a global table) is read whole by
each, so any worker can take any user. Here the second worker joins while the first is busy,
so partitions move mid-stream: what the first had not committed is redone by the second.
"""

from __future__ import annotations

import random
import threading

from tests.integration.worker_harness import (
    STATELESS_KINDS,
    Expected,
    Produced,
    Traffic,
    health,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)

ALL_PARTITIONS = [0, 1, 2, 3]  # service_env makes 4


def test_two_workers_share_partitions_and_lose_nothing(kafka_broker, service_env, start_worker):
    bootstrap, raw = kafka_broker.bootstrap, service_env["SANITIZER_RAW_TOPIC"]
    traffic, rng, oracle = Traffic(), random.Random(11), oracle_pipeline()
    users = [traffic.user(n) for n in range(40)]

    def messages(n_single: int, n_batches: int) -> list[tuple[bytes | None, bytes | None]]:
        kinds = STATELESS_KINDS  # fates that do not depend on which worker held the session
        out = [traffic.single(rng.choice(users), rng.choice(kinds)) for _ in range(n_single)]
        out += [
            traffic.batch(rng.choice(users), rng.choices(kinds, k=50)) for _ in range(n_batches)
        ]
        rng.shuffle(out)
        return out

    expected = Expected()
    expected.add(oracle, produce(bootstrap, raw, messages(3000, 200)))  # 13k events
    first = start_worker()
    wait_until(
        lambda: first.metrics().get("sanitizer_events_in_total", 0.0) >= 2000,
        60,
        "the first worker to get going",
    )
    # Traffic keeps flowing while the second worker starts and joins: a rebalance under load.
    during: list[Produced] = []
    stop = threading.Event()

    def feed() -> None:
        while not stop.is_set():
            during.extend(produce(bootstrap, raw, messages(200, 4)))

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    second = start_worker()

    def split() -> bool:
        reports = [health(first), health(second)]
        owned = [report["raw_partitions"] for report in reports]
        return (
            all(owned)
            and sorted(owned[0] + owned[1]) == ALL_PARTITIONS
            and not any(report["rebalancing"] for report in reports)
        )

    wait_until(split, 90, "both workers to own raw partitions")
    stop.set()
    feeder.join(timeout=60)
    expected.add(oracle, during)
    expected.add(oracle, produce(bootstrap, raw, messages(1000, 20)))

    def all_there() -> bool:
        records = read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"])
        return sanitized_by_event_id(records).keys() >= expected.sanitized.keys()

    wait_until(all_there, 120, "every event", interval=2.0)
    seen = sanitized_by_event_id(read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"]))
    assert seen.keys() == expected.sanitized.keys(), "lost or unexpected events"
    for worker in (first, second):
        assert worker.metrics()["sanitizer_messages_in_total"] > 0
    duplicates = sum(len(copies) - 1 for copies in seen.values())
    print(f"two workers, second joining under load: {len(seen)} events, {duplicates} duplicates")
