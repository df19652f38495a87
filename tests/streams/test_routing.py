"""Routing without a broker: what each kind of raw message turns into, record by record."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from streams.optout import OPTED_OUT_VALUE
from streams.routing import QUARANTINE_SCHEMA, Routed, Router, partition_for
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Pipeline
from transforms.policy import build_pipeline, load_policy

KEY = b"unit-test-hmac-key-0123456789"
SANITIZED, QUARANTINE = "out", "quarantine"


@dataclass
class Msg:
    key: bytes | None
    value: bytes | None
    topic: str = "raw"
    partition: int = 2
    offset: int = 40


def event(user: str = "jane.doe@corp.example", **fields: Any) -> dict[str, Any]:
    return {
        "schema": "interaction/v1",
        "event_id": "8b1c2d3e-0000-4000-8000-000000000001",
        "user_id": user,
        "device_id": "LT-JDOE-4411",
        "session_id": "c2cd789a-3802-08a9-ad45-f23d3b1a11df",
        "seq": 3,
        "ts": 1_778_758_187_249,
        "type": "click",
        "x": 10,
        "y": 20,
        "button": "left",
    } | fields


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return build_pipeline(load_policy(None), Context(keyring=Keyring(KEY)))


def route(pipeline: Pipeline, *messages: Msg, registry=None, include_raw=False) -> Routed:
    router = Router(
        pipeline,
        registry or {},
        sanitized_topic=SANITIZED,
        quarantine_topic=QUARANTINE,
        include_raw=include_raw,
    )
    return router.route(messages, sanitized_count=4, quarantine_count=3)


def records(routed: Routed, topic: str) -> list[tuple[int, bytes | None, dict[str, Any]]]:
    return [
        (partition, key, orjson.loads(value))
        for (name, partition), batch in routed.records.items()
        if name == topic
        for key, value in batch
    ]


def test_sanitized_event_is_keyed_and_partitioned_by_the_user_pseudonym(pipeline):
    routed = route(pipeline, Msg(b"jane.doe@corp.example", orjson.dumps(event())))
    [(partition, key, value)] = records(routed, SANITIZED)
    assert key == value["user_id"].encode()
    assert "jane" not in key.decode()
    assert partition == partition_for(key, 4)
    assert routed.tally.sanitized == 1 and routed.tally.events == 1
    assert routed.next_offsets == {("raw", 2): 41}


# Utils.murmur2 values from Apache Kafka's own UtilsTest: the Java client's partitioner.
JAVA_MURMUR2 = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536}


def test_partitioner_agrees_with_the_java_client():
    # A downstream consumer or Kafka Streams app co-partitioning on the pseudonym gets the same.
    for key, java_hash in JAVA_MURMUR2.items():
        for count in (1, 4, 6, 12):
            assert partition_for(key, count) == (java_hash & 0x7FFFFFFF) % count


def test_one_bad_event_in_a_batch_is_quarantined_alone_with_its_index(pipeline):
    batch = [event(event_id=f"e-{n}", seq=n) for n in range(3)]
    batch[1]["x"] = "left"
    routed = route(pipeline, Msg(b"jane.doe@corp.example", orjson.dumps(batch)))
    assert len(records(routed, SANITIZED)) == 2
    [(partition, key, record)] = records(routed, QUARANTINE)
    assert key is None and partition == 2 % 3
    assert record == {
        "schema": QUARANTINE_SCHEMA,
        "reason": "wrong_type",
        "field": "x",
        "topic": "raw",
        "partition": 2,
        "offset": 40,
        "index": 1,
    }


def test_unparsable_message_is_quarantined_whole_without_its_content(pipeline):
    value = orjson.dumps(event())[:-5]
    routed = route(pipeline, Msg(b"jane.doe@corp.example", value))
    [(_, _, record)] = records(routed, QUARANTINE)
    assert record["reason"] == "invalid_json" and "index" not in record
    assert b"jane" not in orjson.dumps(record)


def test_raw_payload_only_when_explicitly_enabled(pipeline):
    value = b"{not json"
    routed = route(pipeline, Msg(None, value), include_raw=True)
    [(_, _, record)] = records(routed, QUARANTINE)
    assert base64.b64decode(record["raw_b64"]) == value


def test_opted_out_user_is_dropped_unread_by_key(pipeline):
    registry = {b"jane.doe@corp.example": OPTED_OUT_VALUE}
    routed = route(pipeline, Msg(b"jane.doe@corp.example", b"{not even json"), registry=registry)
    assert routed.records == {}
    assert routed.tally.dropped == {"optout": 1}


def test_opted_out_user_is_caught_in_a_mis_keyed_message(pipeline):
    registry = {b"jane.doe@corp.example": OPTED_OUT_VALUE, b"someone": b"0"}
    mixed = [event(user="bob@corp.example", event_id="b1"), event(event_id="j1")]
    routed = route(
        pipeline,
        Msg(b"bob@corp.example", orjson.dumps(event())),
        Msg(b"bob@corp.example", orjson.dumps(mixed), offset=41),
        registry=registry,
    )
    [(_, _, only)] = records(routed, SANITIZED)
    assert only["event_id"] != "b1" and routed.tally.sanitized == 1
    assert routed.tally.dropped == {"optout": 2}


def test_a_removed_opt_out_no_longer_drops(pipeline):
    registry = {b"jane.doe@corp.example": b"0"}  # any value but "1" means not opted out
    routed = route(
        pipeline, Msg(b"jane.doe@corp.example", orjson.dumps(event())), registry=registry
    )
    assert routed.tally.sanitized == 1


class ExplodingPipeline:
    def sanitize_message(self, value: bytes | None) -> list[Any]:
        raise RuntimeError("a bug")


def test_a_bug_quarantines_the_message_and_never_crashes_the_worker():
    routed = route(ExplodingPipeline(), Msg(b"k", orjson.dumps(event())))  # type: ignore[arg-type]
    [(_, _, record)] = records(routed, QUARANTINE)
    assert record["reason"] == "internal_error" and record["stage"] == "worker"


def test_a_typing_summary_is_published_before_the_event_that_closed_its_run():
    pipeline = build_pipeline(load_policy(None), Context(keyring=Keyring(KEY)))  # own state
    keys = [event(type="key_down", key=c, seq=i, event_id=f"k{i}") for i, c in enumerate("hey")]
    click = event(seq=9, event_id="c9")
    routed = route(pipeline, Msg(b"jane.doe@corp.example", orjson.dumps([*keys, click])))
    published = [value for _, _, value in records(routed, SANITIZED)]
    assert [(e["type"], e.get("field")) for e in published] == [
        ("text_input", "typing"),
        ("click", None),
    ]
    assert routed.tally.sanitized == 1 and routed.tally.fanned_out == 1
    assert routed.tally.events == 4  # three keys absorbed (dropped by a rule), one click
