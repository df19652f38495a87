"""A running worker accounts for every raw event exactly once, and leaks nothing.

Over 10k events go through a real ``sanitizer worker`` on a real broker: single-event messages,
50-event batches, and the malformed input collectors really send. Every event ends exactly once
in the sanitized topic (equal to what the batch pipeline makes of it) or in quarantine (with
where it came from), or is dropped by a named rule and counted; no canary typed, pasted or
pressed, and no raw identifier, appears in either output topic.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import orjson
import pytest

from localdev.canary_traffic import malformed_messages
from tests.integration.worker_harness import (
    KINDS,
    Expected,
    Traffic,
    leaked_secrets,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)

N_USERS = 12
# The accounting must not change with how input is cut into fetches and batches: the defaults
# (fetches gather up to 1 MiB for 25 ms), fetches answered as soon as anything arrives, and
# fetches that gather for longer with batches that wait for more messages.
EAGER_FETCHES = {"SANITIZER_FETCH_MIN_BYTES": "1", "SANITIZER_FETCH_MAX_WAIT_MS": "50"}
LARGER_CYCLES = {"SANITIZER_FETCH_MAX_WAIT_MS": "50", "SANITIZER_BATCH_LINGER_MS": "50"}
# Partitions paused and resumed again and again (back-pressure): nothing lost or repeated.
BACK_PRESSURE = {"SANITIZER_STREAM_BUFFER_MAXSIZE": "60", "SANITIZER_BATCH_MAX_MESSAGES": "20"}


@pytest.mark.parametrize(
    "tuning",
    [{}, EAGER_FETCHES, LARGER_CYCLES, BACK_PRESSURE],
    ids=["defaults", "eager-fetches", "fetch-and-batch-linger", "back-pressure"],
)
def test_every_event_accounted_once_and_nothing_leaks(
    kafka_broker, service_env, start_worker, tuning
):
    bootstrap = kafka_broker.bootstrap
    traffic, rng = Traffic(), random.Random(7)
    users = [traffic.user(n) for n in range(N_USERS)]
    messages = []
    for i in range(3000):
        messages.append(traffic.single(rng.choice(users), KINDS[i % len(KINDS)]))
    for _ in range(140):
        messages.append(traffic.batch(rng.choice(users), rng.choices(KINDS, k=50)))
    for _ in range(10):  # password manager: dropped by the policy, counted, never written
        messages.append(traffic.single(rng.choice(users), "key_down", app="1Password"))
    for _ in range(4):
        messages.extend(malformed_messages(traffic, users))
    rng.shuffle(messages)

    worker = start_worker(**tuning)
    produced = produce(bootstrap, service_env["SANITIZER_RAW_TOPIC"], messages)
    expected = Expected()
    expected.add(oracle_pipeline(), produced)
    n_sanitized = len(expected.sanitized) - expected.summaries  # input events sanitized
    n_events = n_sanitized + len(expected.quarantined) + sum(expected.dropped.values())
    assert n_events >= 10_000

    wait_until(
        lambda: worker.metrics().get("sanitizer_events_in_total", 0) >= n_events,
        timeout=120,
        what=f"the worker to read {n_events} events",
    )
    sanitized = read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"])
    quarantined = read_topic(bootstrap, service_env["SANITIZER_QUARANTINE_TOPIC"])

    # Nothing leaks: no canary, raw id or email in any key or value of either output topic.
    assert leaked_secrets(sanitized + quarantined, traffic.secrets) == set()

    # Every sanitized event exactly once, equal to the batch pipeline's, keyed by its pseudonym.
    seen = sanitized_by_event_id(sanitized)
    assert {k: len(v) for k, v in seen.items() if len(v) > 1} == {}, "duplicates"
    assert seen.keys() == expected.sanitized.keys()
    assert all(seen[k][0] == event for k, event in expected.sanitized.items())
    for record in sanitized:
        assert record.key == orjson.loads(record.value)["user_id"].encode()

    # Per-user order holds: one partition per user, events in the order they were produced.
    by_user: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for record in sanitized:
        event = orjson.loads(record.value)
        by_user[event["user_id"]].append((record.partition, event["event_id"]))
    assert by_user.keys() == expected.order.keys()
    for user, entries in by_user.items():
        assert len({partition for partition, _ in entries}) == 1
        assert [event_id for _, event_id in entries] == expected.order[user]

    # Every rejected event once in quarantine, pointing at its raw message; no raw content.
    records = [orjson.loads(r.value) for r in quarantined]
    actual = Counter((r["partition"], r["offset"], r["reason"]) for r in records)
    assert actual == Counter(expected.quarantined)
    assert all(r["topic"] == service_env["SANITIZER_RAW_TOPIC"] for r in records)
    assert not any("raw_b64" in r for r in records)
    reasons = Counter(r["reason"] for r in records)
    for reason in ("invalid_json", "invalid_utf8", "wrong_type", "missing_field", "unknown_type"):
        assert reasons[reason] >= 4, reasons
    # The bad event of a 20-event batch is quarantined alone, with its index.
    assert sum(1 for r in records if r["reason"] == "invalid_ts" and r.get("index") == 7) == 4
    assert not any("index" in r for r in records if r["reason"] == "invalid_json")

    metrics = worker.metrics()
    assert metrics["sanitizer_events_in_total"] == n_events
    assert metrics["sanitizer_events_out_total"] == len(expected.sanitized)
    assert metrics["sanitizer_quarantined_total"] == len(expected.quarantined)
    assert expected.dropped["drop_sensitive_apps"] == 10
    for rule, count in expected.dropped.items():
        assert metrics[f"sanitizer_dropped_total{{rule={rule}}}"] == count
    assert worker.metrics()["sanitizer_messages_in_total"] == len(produced)
    if tuning is BACK_PRESSURE:
        assert metrics["sanitizer_backpressure_pauses_total"] >= 4, "never held back"
