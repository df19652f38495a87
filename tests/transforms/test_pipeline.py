"""The pipeline: every input ends as exactly one outcome value, and nothing raises."""

from __future__ import annotations

import functools
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import (
    PROPERTY,
    corrupted_events,
    json_values,
    make_event,
    valid_events,
)
from transforms.event import SANITIZED_SCHEMA, Quarantined
from transforms.pipeline import (
    MAX_BATCH_EVENTS,
    MAX_MESSAGE_BYTES,
    Dropped,
    Pipeline,
    Sanitized,
    Stage,
    decode,
)

Event = dict[str, Any]


def mark_sanitized(event: Event) -> Event:
    return {**event, "schema": SANITIZED_SCHEMA}


def explode(event: Event) -> Event:
    raise ValueError("boom: hunter2")


def drop(event: Event) -> Event | None:
    return None


def test_stage_exception_quarantines_the_event_naming_the_stage() -> None:
    pipeline = Pipeline([Stage("buggy_plugin", explode), Stage("mark", mark_sanitized)])
    outcome = pipeline.sanitize(make_event())
    assert outcome == Quarantined("transform_error", stage="buggy_plugin")
    assert "hunter2" not in repr(outcome)


def test_stage_returning_none_drops_the_event_under_the_stage_name() -> None:
    pipeline = Pipeline([Stage("drop_everything", drop), Stage("mark", mark_sanitized)])
    assert pipeline.sanitize(make_event()) == Dropped("drop_everything")


def test_event_without_the_sanitized_marker_never_leaves() -> None:
    pipeline = Pipeline([Stage("identity", lambda event: event)])
    assert pipeline.sanitize(make_event()) == Quarantined("policy_incomplete")
    assert Pipeline([]).sanitize(make_event()) == Quarantined("policy_incomplete")


def test_stage_selector_limits_it_to_types_and_apps() -> None:
    seen: list[str] = []

    def record(event: Event) -> Event:
        seen.append(event["type"])
        return event

    pipeline = Pipeline(
        [
            Stage(
                "keys_in_slack", record, types=frozenset({"key_down"}), apps=frozenset({"Slack"})
            ),
            Stage("mark", mark_sanitized),
        ]
    )
    pipeline.sanitize(make_event("key_down", app="Slack"))
    pipeline.sanitize(make_event("key_down", app="Figma"))
    pipeline.sanitize(make_event("mouse_move", app="Slack"))
    pipeline.sanitize(make_event("key_down", app=None))
    assert seen == ["key_down"]


def test_invalid_event_is_quarantined_before_any_stage_runs() -> None:
    pipeline = Pipeline([Stage("explode", explode)])
    assert pipeline.sanitize({"schema": "interaction/v2"}) == Quarantined(
        "unknown_schema_version", "schema"
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b'{"schema": "interaction/v1", "type": "click"', "invalid_json"),
        (b"", "invalid_json"),
        (b"{'single': 'quotes'}", "invalid_json"),
        (b"NaN", "invalid_json"),
        (b'{"a": "\xff\xfe"}', "invalid_utf8"),
        (b'{"user_id": "\xed\xa0\x80"}', "invalid_utf8"),  # an encoded lone surrogate
        (b"\xc3\x28", "invalid_utf8"),
        (b"[1, 2", "invalid_json"),
    ],
    ids=repr,
)
def test_undecodable_document_is_quarantined(document: bytes, reason: str) -> None:
    assert decode(document) == Quarantined(reason)
    assert Pipeline([]).sanitize_json(document) == Quarantined(reason)


def test_oversized_message_is_quarantined_without_parsing() -> None:
    document = b'"' + b"x" * MAX_MESSAGE_BYTES + b'"'
    assert decode(document) == Quarantined("oversized_message")


def test_valid_jsonl_line_with_invalid_utf8_in_a_title_is_quarantined(
    default_pipeline: Pipeline,
) -> None:
    line = orjson.dumps(make_event(window_title="caf\u00e9")).replace(b"\xc3\xa9", b"\xe9")
    assert default_pipeline.sanitize_json(line) == Quarantined("invalid_utf8")


def test_message_none_and_empty_batch_are_quarantined() -> None:
    pipeline = Pipeline([Stage("mark", mark_sanitized)])
    assert pipeline.sanitize_message(None) == [Quarantined("empty_message")]
    assert pipeline.sanitize_message(b"[]") == [Quarantined("empty_batch")]


def test_oversized_batch_is_quarantined_whole() -> None:
    pipeline = Pipeline([Stage("mark", mark_sanitized)])
    batch = b"[" + b",".join([b"1"] * (MAX_BATCH_EVENTS + 1)) + b"]"
    assert pipeline.sanitize_message(batch) == [Quarantined("oversized_batch")]


def test_one_bad_event_in_a_batch_does_not_take_its_neighbours_down(
    default_pipeline: Pipeline,
) -> None:
    good = make_event("click")  # not mouse_move: the default drops moves since issue 9
    batch = orjson.dumps([good, {"schema": "interaction/v2"}, 42, good])
    outcomes = default_pipeline.sanitize_message(batch)
    assert [type(o).__name__ for o in outcomes] == [
        "Sanitized", "Quarantined", "Quarantined", "Sanitized",
    ]  # fmt: skip
    assert outcomes[1] == Quarantined("unknown_schema_version", "schema")
    assert outcomes[2] == Quarantined("not_an_object")


def test_single_event_message_gives_one_outcome(default_pipeline: Pipeline) -> None:
    outcomes = default_pipeline.sanitize_message(orjson.dumps(make_event("click")))
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Sanitized)


def test_sanitize_does_not_mutate_the_raw_event(default_pipeline: Pipeline) -> None:
    raw = make_event("key_down", key="q", code="KeyQ")
    before = orjson.dumps(raw)
    default_pipeline.sanitize(raw)
    assert orjson.dumps(raw) == before


@given(st.binary(max_size=300))
@PROPERTY
def test_fuzzed_bytes_never_raise_and_are_quarantined(
    default_pipeline: Pipeline, data: bytes
) -> None:
    assert isinstance(default_pipeline.sanitize_json(data), Quarantined)
    outcomes = default_pipeline.sanitize_message(data)
    assert outcomes and all(isinstance(o, Quarantined) for o in outcomes)


@given(json_values)
@PROPERTY
def test_fuzzed_json_values_never_raise_and_are_quarantined(
    default_pipeline: Pipeline, value: Any
) -> None:
    document = orjson.dumps(value)
    assert isinstance(default_pipeline.sanitize_json(document), Quarantined)
    assert all(isinstance(o, Quarantined) for o in default_pipeline.sanitize_message(document))


@given(corrupted_events())
@PROPERTY
def test_corrupted_event_lines_are_quarantined_with_their_reason(
    default_pipeline: Pipeline, case: tuple[Any, str, str | None]
) -> None:
    raw, reason, field = case
    outcome = default_pipeline.sanitize_json(orjson.dumps(raw))
    assert outcome == Quarantined(reason, field)


@given(valid_events(), st.data())
@PROPERTY
def test_truncated_or_invalid_utf8_lines_never_raise(
    default_pipeline: Pipeline, raw: Event, data: st.DataObject
) -> None:
    line = orjson.dumps(raw)
    cut = data.draw(st.integers(0, len(line) - 1))
    assert isinstance(default_pipeline.sanitize_json(line[:cut]), Quarantined)
    # Bytes that are invalid UTF-8 wherever they are inserted.
    position = data.draw(st.integers(0, len(line)))
    bad_bytes = data.draw(st.sampled_from([b"\xff", b"\xc0", b"\xf5", b"\xed\xa0\x80"]))
    corrupted = line[:position] + bad_bytes + line[position:]
    outcome = default_pipeline.sanitize_json(corrupted)
    assert isinstance(outcome, Quarantined)
    assert outcome.reason in ("invalid_utf8", "invalid_json")


@given(
    st.lists(valid_events() | corrupted_events().map(lambda case: case[0]), min_size=1, max_size=8)
)
@PROPERTY
def test_every_event_of_a_batch_gets_exactly_one_outcome(
    default_pipeline: Pipeline, batch: list[Any]
) -> None:
    outcomes = default_pipeline.sanitize_message(orjson.dumps(batch))
    assert len(outcomes) == len(batch)
    for outcome in outcomes:
        assert isinstance(outcome, Sanitized | Dropped | Quarantined)
        if isinstance(outcome, Sanitized):
            orjson.dumps(outcome.event)  # what leaves can always be encoded


def duplicate(event: Event) -> list[Event]:
    return [{**event, "copy": 1}, {**event, "copy": 2}]


def drop_first_copy(event: Event) -> Event | None:
    return None if event.get("copy") == 1 else event


def explode_on_second_copy(event: Event) -> Event:
    if event.get("copy") == 2:
        raise ValueError("boom")
    return event


def test_a_fan_out_sends_every_event_through_the_rest_of_the_policy_in_order() -> None:
    pipeline = Pipeline([Stage("dup", duplicate), Stage("mark", mark_sanitized)])
    outcome = pipeline.sanitize(make_event("click"))
    assert isinstance(outcome, Sanitized)
    assert [e["copy"] for e in outcome.events] == [1, 2]
    assert outcome.event["copy"] == 2 and len(outcome.preceding) == 1
    assert all(e["schema"] == SANITIZED_SCHEMA for e in outcome.events)


def test_a_fan_out_respects_later_type_selectors_drops_and_failures() -> None:
    only_keys = Stage("keys_only", explode, types=frozenset({"key_down"}))
    pipeline = Pipeline([Stage("dup", duplicate), only_keys, Stage("mark", mark_sanitized)])
    assert isinstance(pipeline.sanitize(make_event("click")), Sanitized)  # selector skipped it
    dropping = Pipeline([Stage("dup", duplicate), Stage("drop", drop_first_copy),
                         Stage("mark", mark_sanitized)])  # fmt: skip
    kept = dropping.sanitize(make_event("click"))
    assert isinstance(kept, Sanitized) and kept.events == (kept.event,)
    gone = Pipeline([Stage("dup", lambda e: []), Stage("mark", mark_sanitized)])
    assert gone.sanitize(make_event("click")) == Dropped("dup")
    failing = Pipeline([Stage("dup", duplicate), Stage("boom", explode_on_second_copy),
                        Stage("mark", mark_sanitized)])  # fmt: skip
    assert failing.sanitize(make_event("click")) == Quarantined("transform_error", stage="boom")
    incomplete = Pipeline([Stage("dup", duplicate)])
    assert incomplete.sanitize(make_event("click")) == Quarantined("policy_incomplete")


def test_a_fan_out_keeps_one_outcome_per_event_of_a_batch() -> None:
    pipeline = Pipeline([Stage("dup", duplicate), Stage("mark", mark_sanitized)])
    outcomes = pipeline.sanitize_message(orjson.dumps([make_event("click"), make_event("click")]))
    assert len(outcomes) == 2 and all(len(o.events) == 2 for o in outcomes)  # type: ignore[union-attr]


def test_a_fan_out_of_things_that_are_not_events_quarantines_and_never_raises() -> None:
    slack_clicks = Stage(
        "slack_clicks", mark_sanitized, types=frozenset({"click"}), apps=frozenset({"Slack"})
    )
    for emitted in (["not an event"], [None], [{"app": "Slack"}]):

        def fan(event: Event, out: list[Any] = emitted) -> Any:
            return out

        pipeline = Pipeline([Stage("fan", fan), slack_clicks])
        outcome = pipeline.sanitize(make_event("click", app="Slack"))
        if emitted == [{"app": "Slack"}]:  # no type: no type selector applies, nothing marks it
            assert outcome == Quarantined("policy_incomplete")
        else:
            assert outcome == Quarantined("transform_error", stage="fan")


# --- types a stage always drops (register(..., drops=...)) --------------------------------------


def counting_drop(calls: list[str]) -> Any:
    def drop_releases(event: Event) -> Event | None:
        calls.append(event["type"])
        return None if event["type"] == "key_up" else event

    return drop_releases


def test_a_type_its_first_stage_always_drops_is_dropped_once_valid_without_the_stage() -> None:
    calls: list[str] = []
    pipeline = Pipeline(
        [
            Stage("releases", counting_drop(calls), drops=frozenset({"key_up"})),
            Stage("mark", mark_sanitized),
        ]
    )
    assert pipeline.settled == {"key_up": Dropped("releases")}
    release = orjson.dumps(make_event("key_up"))
    assert pipeline.sanitize_json(release) == Dropped("releases")
    assert pipeline.sanitize_message(b"[" + release + b"," + release + b"]") == [
        Dropped("releases"),
        Dropped("releases"),
    ]
    assert calls == []  # dropped unread: the transform never saw them
    # Validity still comes first: a broken release is quarantined with the reference's reason.
    broken = orjson.dumps(make_event("key_up", ts="yesterday"))
    assert pipeline.sanitize_json(broken) == Quarantined("invalid_ts", "ts")
    assert pipeline.sanitize_json(orjson.dumps(make_event("key_up", ts="2026-05-14T11:29:47Z")))
    # A string ts that parses is valid: dropped like the others.
    assert calls == []
    # Other types still meet the stage.
    assert type(pipeline.sanitize_json(orjson.dumps(make_event("key_down")))) is Sanitized
    assert calls == ["key_down"]


@pytest.mark.parametrize(
    "stages",
    [
        # Not the first stage the type meets: the one before might drop it by another rule.
        [Stage("first", lambda e: e), Stage("releases", drop, drops=frozenset({"key_up"}))],
        # An app selector: whether it applies depends on the event.
        [Stage("releases", drop, apps=frozenset({"Slack"}), drops=frozenset({"key_up"}))],
        # A type selector that leaves the type out: the stage is not on its walk at all.
        [Stage("releases", drop, types=frozenset({"key_down"}), drops=frozenset({"key_up"}))],
    ],
)
def test_a_drop_is_settled_only_when_the_type_meets_that_stage_first_and_always(
    stages: list[Stage],
) -> None:
    assert Pipeline(stages).settled == {}


@functools.cache
def default_pipelines() -> tuple[Pipeline, ...]:
    """Four default pipelines that see the same events in the same order (stage state alike):
    two for lines, two for messages; of each pair the first settles, the second walks."""
    from transforms.context import Context
    from transforms.keyring import Keyring
    from transforms.policy import build_pipeline, load_policy

    context = Context(keyring=Keyring(b"k" * 32))
    return tuple(build_pipeline(load_policy(), context) for _ in range(4))


@given(valid_events(types=("key_up", "mouse_move")) | corrupted_events().map(lambda c: c[0]))
@PROPERTY
def test_settled_types_get_the_outcome_the_full_walk_gives(raw: Any) -> None:
    line_settled, line_walked, message_settled, message_walked = default_pipelines()
    assert line_settled.settled.keys() == {"key_up", "mouse_move"}
    value = orjson.dumps(raw)
    decoded = decode(value)
    walked = decoded if type(decoded) is Quarantined else line_walked.sanitize(decoded)
    assert line_settled.sanitize_json(value) == walked
    assert message_settled.sanitize_message(value) == message_walked.sanitize_decoded(decoded)
