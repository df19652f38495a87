"""The interaction/v1 event model: valid events come out clean, anything else is Quarantined."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import (
    PROPERTY,
    TS_MS,
    corrupted_events,
    json_values,
    make_event,
    rfc3339,
    valid_events,
    valid_ts_ms,
)
from transforms.event import (
    ENVELOPE,
    EVENT_TYPES,
    ID_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TYPE_FIELDS,
    URL_MAX,
    Quarantined,
    parse_ts,
    validate_event,
)


def quarantined(raw: Any) -> Quarantined:
    outcome = validate_event(raw)
    assert isinstance(outcome, Quarantined), outcome
    return outcome


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_valid_event_of_every_type_is_accepted(event_type: str) -> None:
    event = validate_event(make_event(event_type))
    assert isinstance(event, dict)
    assert event["type"] == event_type
    assert event["ts"] == TS_MS


def test_valid_event_keeps_only_known_fields_and_drops_extras() -> None:
    raw = make_event("click", debug_payload={"password": "hunter2"}, extra_note="hi", x=3)
    event = validate_event(raw)
    assert isinstance(event, dict)
    assert "debug_payload" not in event and "extra_note" not in event
    assert set(event) <= set(ENVELOPE) | set(TYPE_FIELDS["click"])
    assert event["x"] == 3


def test_fields_of_another_type_are_dropped() -> None:
    # A mouse event carrying a stray "text" must not smuggle it past strip_typed_text.
    event = validate_event(make_event("mouse_move", text="secret", key="q", code="KeyQ"))
    assert isinstance(event, dict)
    assert not {"text", "key", "code"} & set(event)


def test_validation_does_not_mutate_or_alias_its_input() -> None:
    raw = make_event("key_down", modifiers=["shift"])
    before = repr(raw)
    event = validate_event(raw)
    assert repr(raw) == before
    assert isinstance(event, dict)
    assert event is not raw
    assert event["modifiers"] is not raw["modifiers"]
    assert event["screen"] is not raw["screen"]


def test_null_optional_fields_mean_absent() -> None:
    event = validate_event(make_event("window_focus", url=None, device_id=None, seq=None))
    assert isinstance(event, dict)
    assert not {"url", "device_id", "seq"} & set(event)


@pytest.mark.parametrize("raw", [None, 1, 1.5, "event", [], [make_event()], True], ids=repr)
def test_non_object_is_quarantined(raw: Any) -> None:
    assert quarantined(raw).reason == "not_an_object"


@pytest.mark.parametrize("schema", ["interaction/v2", "interaction/v1.1", "interaction/"])
def test_newer_schema_version_is_quarantined_as_unknown_version(schema: str) -> None:
    outcome = quarantined(make_event(schema=schema))
    assert (outcome.reason, outcome.field) == ("unknown_schema_version", "schema")


@pytest.mark.parametrize("schema", ["telemetry/v1", 1, ["interaction/v1"], ""])
def test_foreign_schema_is_quarantined_as_invalid(schema: Any) -> None:
    outcome = quarantined(make_event(schema=schema))
    assert (outcome.reason, outcome.field) == ("invalid_value", "schema")


def test_missing_schema_is_quarantined() -> None:
    raw = make_event()
    del raw["schema"]
    outcome = quarantined(raw)
    assert (outcome.reason, outcome.field) == ("missing_field", "schema")


@pytest.mark.parametrize("event_type", ["keypress", "KEY_DOWN", "", 3, ["click"]])
def test_unknown_type_is_quarantined(event_type: Any) -> None:
    outcome = quarantined(make_event(type=event_type))
    assert (outcome.reason, outcome.field) == ("unknown_type", "type")


@pytest.mark.parametrize(
    ("event_type", "name"),
    [
        ("mouse_move", "event_id"),
        ("mouse_move", "user_id"),
        ("mouse_move", "session_id"),
        ("mouse_move", "ts"),
        ("mouse_move", "type"),
        ("key_down", "key"),
        ("text_input", "text"),
        ("clipboard", "action"),
        ("mouse_move", "x"),
        ("scroll", "dy"),
    ],
)
def test_missing_required_field_is_quarantined_naming_the_field(event_type: str, name: str) -> None:
    raw = make_event(event_type)
    del raw[name]
    outcome = quarantined(raw)
    assert (outcome.reason, outcome.field) == ("missing_field", name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("user_id", 12345),
        ("session_id", ["a"]),
        ("seq", "7"),
        ("seq", 7.0),
        ("seq", True),
        ("x", "100"),
        ("x", True),
        ("x", 1e12),
        ("repeat", 1),
        ("screen", [2560]),
        ("screen", [2560, "1440"]),
        ("screen", [0, 1440]),
        ("modifiers", "shift"),
        ("window_title", {"text": "x"}),
    ],
    ids=repr,
)
def test_mistyped_field_is_quarantined_naming_the_field(name: str, value: Any) -> None:
    event_type = "key_down" if name in ("repeat", "modifiers") else "click"
    outcome = quarantined(make_event(event_type, **{name: value}))
    assert (outcome.reason, outcome.field) == ("wrong_type", name)


@pytest.mark.parametrize(
    ("event_type", "name", "value"),
    [
        ("click", "button", "left-ish"),
        ("clipboard", "action", "print"),
        ("key_down", "modifiers", ["shift", "hyper"]),
    ],
)
def test_value_outside_the_allowed_choices_is_quarantined(
    event_type: str, name: str, value: Any
) -> None:
    outcome = quarantined(make_event(event_type, **{name: value}))
    assert (outcome.reason, outcome.field) == ("invalid_value", name)


@pytest.mark.parametrize(
    ("event_type", "name", "limit"),
    [
        ("mouse_move", "user_id", ID_MAX),
        ("mouse_move", "event_id", ID_MAX),
        ("mouse_move", "window_title", TITLE_MAX),
        ("mouse_move", "url", URL_MAX),
        ("text_input", "text", TEXT_MAX),
        ("key_down", "key", 64),
    ],
)
def test_oversized_field_is_quarantined(event_type: str, name: str, limit: int) -> None:
    assert isinstance(validate_event(make_event(event_type, **{name: "x" * limit})), dict)
    outcome = quarantined(make_event(event_type, **{name: "x" * (limit + 1)}))
    assert (outcome.reason, outcome.field) == ("oversized_field", name)


@pytest.mark.parametrize(
    "ts",
    [
        1_778_758_187,  # seconds instead of milliseconds
        1_778_758_187_249_000,  # microseconds
        -1,
        1778758187249.0,
        True,
        "2026-05-14T09:31:02.123",  # naive: which zone?
        "2026-05-14 09:31:02",
        "2026-05-14",
        "yesterday at noon",
        "1778758187249",
        "2026-02-30T10:00:00Z",
        "",
        None,
    ],
    ids=repr,
)
def test_bad_ts_is_quarantined(ts: Any) -> None:
    outcome = quarantined(make_event(ts=ts))
    expected = "missing_field" if ts is None else "invalid_ts"
    assert (outcome.reason, outcome.field) == (expected, "ts")


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        ("2026-05-14T09:31:02.123Z", 1_778_751_062_123),
        ("2026-05-14T09:31:02Z", 1_778_751_062_000),
        ("2026-05-14T11:31:02.123+02:00", 1_778_751_062_123),
        ("2026-05-14T04:01:02.123-05:30", 1_778_751_062_123),
        ("2026-05-14T09:31:02.123456Z", 1_778_751_062_123),  # sub-ms precision is floored
        ("2038-07-15T16:59:51.319Z", 2_162_825_991_319),  # float rounding would give ...318
    ],
)
def test_rfc3339_ts_with_z_or_offset_parses_to_epoch_ms(text: str, expected_ms: int) -> None:
    assert parse_ts(text) == expected_ms
    event = validate_event(make_event(ts=text))
    assert isinstance(event, dict)
    assert event["ts"] == expected_ms
    assert type(event["ts"]) is int


@given(valid_ts_ms, st.sampled_from([0, 60, -300, 330, 840, -720]))
@PROPERTY
def test_rfc3339_ts_round_trips_to_the_exact_millisecond(ms: int, offset: int) -> None:
    assert parse_ts(rfc3339(ms, offset)) == ms


@given(valid_events())
@PROPERTY
def test_generated_valid_events_are_accepted_with_only_known_fields(raw: dict[str, Any]) -> None:
    event = validate_event(raw)
    assert isinstance(event, dict), event
    assert set(event) <= set(ENVELOPE) | set(TYPE_FIELDS[raw["type"]])
    assert type(event["ts"]) is int
    assert None not in event.values()


@given(corrupted_events())
@PROPERTY
def test_corrupted_event_is_quarantined_with_the_right_reason_and_field(
    case: tuple[Any, str, str | None],
) -> None:
    raw, reason, field = case
    outcome = validate_event(raw)
    assert isinstance(outcome, Quarantined)
    assert (outcome.reason, outcome.field) == (reason, field)


@given(json_values)
@PROPERTY
def test_any_json_value_is_validated_without_raising(raw: Any) -> None:
    outcome = validate_event(raw)
    assert isinstance(outcome, dict | Quarantined)


@given(valid_events(with_extras=False), st.data())
@PROPERTY
def test_any_field_value_is_validated_without_raising(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted({*ENVELOPE, *TYPE_FIELDS[raw["type"]]})))
    raw[name] = data.draw(json_values)
    outcome = validate_event(raw)
    assert isinstance(outcome, dict | Quarantined)
    if isinstance(outcome, dict):
        assert set(outcome) <= set(ENVELOPE) | set(TYPE_FIELDS[outcome["type"]])


def test_quarantine_record_names_field_never_value() -> None:
    secret = "hunter2-" + "x" * 300
    outcome = quarantined(make_event(user_id=secret))
    record = outcome.as_record()
    assert record == {"reason": "oversized_field", "field": "user_id"}
    assert "hunter2" not in repr(outcome)
