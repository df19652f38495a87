"""An opt-out takes effect while the worker runs, and can be undone.

``sanitizer optout add USER`` writes the compacted opt-out topic; the running worker picks it
up (no restart) and from then on drops that user's messages before any other stage: nothing
of theirs reaches the sanitized or quarantine topic, other users still flow, and the drops are
counted. A message keyed by someone else but holding the user's events is caught too.
"""

from __future__ import annotations

import orjson

from tests.integration.worker_harness import (
    STATELESS_KINDS,
    Expected,
    Traffic,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    sanitizer_cli,
    wait_until,
)

KINDS = STATELESS_KINDS  # the counts below must not depend on pipeline state


def test_optout_takes_effect_while_the_worker_runs(kafka_broker, service_env, start_worker):
    bootstrap, raw = kafka_broker.bootstrap, service_env["SANITIZER_RAW_TOPIC"]
    traffic, oracle = Traffic(), oracle_pipeline()
    alice, bob = traffic.user(1), traffic.user(2)
    naming = oracle_pipeline()  # a pipeline of its own: the oracle's session state stays true
    pseudonym = {
        user: naming.sanitize(traffic.event(user, "click")).event["user_id"]  # type: ignore[union-attr]
        for user in (alice, bob)
    }
    worker = start_worker()

    def events_in() -> float:
        return worker.metrics().get("sanitizer_events_in_total", 0.0)

    def sanitized_users() -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"]):
            user = orjson.loads(record.value)["user_id"]
            counts[user] = counts.get(user, 0) + 1
        return counts

    # Before: both users flow.
    before = produce(bootstrap, raw, [traffic.single(u, k) for u in (alice, bob) for k in KINDS])
    expected = Expected()
    expected.add(oracle, before)  # the oracle sees what the worker sanitizes, in the same order
    wait_until(lambda: events_in() >= len(before), 60, "the first events")
    assert sanitized_users() == {
        pseudonym[alice]: len(KINDS),
        pseudonym[bob]: len(KINDS),
    }

    sanitizer_cli(service_env, "optout", "add", alice)
    wait_until(
        lambda: worker.metrics().get("sanitizer_optout_users") == 1, 30, "the opt-out to load"
    )

    # After: alice's messages are dropped unread, including those a buggy collector mis-keyed.
    bob_key = bob.encode()
    mis_keyed = (bob_key, orjson.dumps(traffic.event(alice, "text_input")))
    mixed_batch = (
        bob_key,
        orjson.dumps([traffic.event(bob, "click"), traffic.event(alice, "click")]),
    )
    after_messages = [traffic.single(alice, kind) for kind in KINDS]
    after_messages += [traffic.batch(alice, KINDS), mis_keyed, mixed_batch]
    after_messages += [traffic.single(bob, kind) for kind in KINDS]
    produce(bootstrap, raw, after_messages)
    dropped = len(KINDS) + 1 + 1 + 1  # alice's singles, her batch, mis-keyed, 1 of the mixed
    n_after = len(KINDS) + 1 + 1 + 2 + len(KINDS)  # outcomes: the mixed batch has two
    wait_until(lambda: events_in() >= len(before) + n_after, 60, "the events after opt-out")

    counts = sanitized_users()
    assert counts == {
        pseudonym[alice]: len(KINDS),
        pseudonym[bob]: 2 * len(KINDS) + 1,
    }
    assert read_topic(bootstrap, service_env["SANITIZER_QUARANTINE_TOPIC"]) == []
    metrics = worker.metrics()
    assert metrics["sanitizer_dropped_total{rule=optout}"] == dropped
    assert metrics["sanitizer_events_out_total"] == 2 * len(KINDS) + len(KINDS) + 1

    # Undo: alice's new events flow again, exactly as the batch pipeline makes them.
    sanitizer_cli(service_env, "optout", "remove", alice)
    wait_until(
        lambda: worker.metrics().get("sanitizer_optout_users") == 0, 30, "the removal to load"
    )
    again = produce(bootstrap, raw, [traffic.single(alice, kind) for kind in KINDS])
    expected = Expected()
    expected.add(oracle, again)  # alice's dropped events never reached the worker's pipeline
    wait_until(
        lambda: sanitized_users().get(pseudonym[alice]) == 2 * len(KINDS),
        60,
        "alice again",
    )
    seen = sanitized_by_event_id(read_topic(bootstrap, service_env["SANITIZER_SANITIZED_TOPIC"]))
    assert all(seen[event_id] == [event] for event_id, event in expected.sanitized.items())
