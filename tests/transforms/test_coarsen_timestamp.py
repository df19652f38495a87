"""coarsen_timestamp: exact timing (a biometric) is gone, order within a session is kept."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.transforms.raw_events import PROPERTY, make_event, valid_events
from transforms.coarsen_timestamp import CoarsenTimestampConfig, coarsen_timestamp
from transforms.context import Context
from transforms.event import validate_event
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import build_pipeline, parse_policy


def coarsen(event: dict[str, Any], bucket_ms: int = 1000) -> dict[str, Any]:
    out = coarsen_timestamp(CoarsenTimestampConfig(bucket_ms=bucket_ms), Context())(event)
    assert out is not None
    return out


def test_default_bucket_floors_to_the_whole_second() -> None:
    assert CoarsenTimestampConfig().bucket_ms == 1000
    assert coarsen(make_event(ts=1_778_758_187_249))["ts"] == 1_778_758_187_000
    assert coarsen(make_event(ts=1_778_758_187_000))["ts"] == 1_778_758_187_000
    assert coarsen(make_event(ts=1_778_758_187_999))["ts"] == 1_778_758_187_000


def test_minute_bucket() -> None:
    assert coarsen(make_event(ts=1_778_758_187_249), 60_000)["ts"] == 1_778_758_140_000


def test_seq_and_other_fields_are_kept() -> None:
    event = make_event("click", seq=42)
    out = coarsen(event)
    assert out["seq"] == 42
    assert {k: v for k, v in out.items() if k != "ts"} == {
        k: v for k, v in event.items() if k != "ts"
    }


def test_input_event_is_not_mutated() -> None:
    event = make_event()
    before = orjson.dumps(event)
    coarsen(event)
    assert orjson.dumps(event) == before


@pytest.mark.parametrize("bucket_ms", [0, 1, 999, -1000])
def test_bucket_below_one_second_is_refused(bucket_ms: int) -> None:
    with pytest.raises(ValidationError, match="bucket_ms"):
        CoarsenTimestampConfig(bucket_ms=bucket_ms)


@pytest.mark.parametrize("bucket_ms", ["1s", 1000.5, None])
def test_bucket_of_the_wrong_type_is_refused(bucket_ms: Any) -> None:
    with pytest.raises(ValidationError, match="bucket_ms"):
        CoarsenTimestampConfig(bucket_ms=bucket_ms)


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="jitter"):
        CoarsenTimestampConfig(jitter=5)  # type: ignore[call-arg]


@given(valid_events(with_extras=False), st.sampled_from([1000, 5000, 60_000, 3_600_000]))
@PROPERTY
def test_ts_is_an_int_multiple_of_the_bucket_and_not_later(
    raw: dict[str, Any], bucket_ms: int
) -> None:
    event = validate_event(raw)
    assert isinstance(event, dict)
    out = coarsen(event, bucket_ms)
    assert type(out["ts"]) is int
    assert out["ts"] % bucket_ms == 0
    assert 0 <= event["ts"] - out["ts"] < bucket_ms
    assert out.get("seq") == event.get("seq")


@given(valid_events(with_extras=False))
@PROPERTY
def test_pipeline_output_ts_is_a_whole_second_int_and_seq_is_kept(
    per_event_pipeline: Pipeline, default_pipeline: Pipeline, raw: dict[str, Any]
) -> None:
    outcome = per_event_pipeline.sanitize(raw)
    # A generated title can name a password manager ("LASTPASS"): that event is dropped whole,
    # by design, and has no timestamp to check.
    assume(not (isinstance(outcome, Dropped) and outcome.rule == "drop_sensitive_apps"))
    assert isinstance(outcome, Sanitized)
    assert type(outcome.event["ts"]) is int
    assert outcome.event["ts"] % 1000 == 0
    assert outcome.event.get("seq") == raw.get("seq")
    # The default policy renumbers seq densely (its summaries absorb keys), but ts stays whole.
    outcome = default_pipeline.sanitize(raw)
    if isinstance(outcome, Sanitized):
        assert type(outcome.event["ts"]) is int and outcome.event["ts"] % 1000 == 0


def test_policy_bucket_reaches_the_output(context: Context) -> None:
    policy = parse_policy(
        {
            "stages": [
                {"transform": "strip_typed_text"},
                {"transform": "pseudonymize_ids"},
                {"transform": "coarsen_timestamp", "config": {"bucket_ms": 60_000}},
                {"transform": "scrub_text"},
                {"transform": "allowlist_fields"},
            ]
        },
        "minute.yaml",
    )
    outcome = build_pipeline(policy, context).sanitize(make_event(ts="2026-05-14T09:31:02.123Z"))
    assert isinstance(outcome, Sanitized)
    assert outcome.event["ts"] == 1_778_751_060_000
