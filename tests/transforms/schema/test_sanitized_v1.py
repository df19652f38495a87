"""The output contract: every sanitized event validates against schema/sanitized-v1.json."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.transforms.raw_events import PROPERTY, make_event, valid_events
from transforms.allowlist_fields import COMMON_FIELDS, DEFAULT_ALLOWLIST
from transforms.context import Context
from transforms.directory import Directory, Person
from transforms.event import EVENT_TYPES, SANITIZED_SCHEMA
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy
from transforms.strip_typed_text import KEY_CLASSES

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE = REPO_ROOT.parent / "shared" / "samples" / "raw-sample.jsonl"
# The three (synthetic) people of the sample file, as a directory would list them.
SAMPLE_PEOPLE = [
    Person("Mei Novak", "mei.novak2@corp.example", "mnovak98"),
    Person("Rafael Petrova", "rafael.petrova2@corp.example", "rpetrova27"),
    Person("Sam Becker", "sam.becker@corp.example", "sbecker64"),
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    text = resources.files("transforms").joinpath("schema/sanitized-v1.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, event: dict[str, Any]) -> list[str]:
    return [error.message for error in validator.iter_errors(event)]


def sanitized(pipeline: Pipeline, raw: dict[str, Any]) -> dict[str, Any]:
    outcome = pipeline.sanitize(raw)
    assert isinstance(outcome, Sanitized), outcome
    return outcome.event


def test_schema_is_valid_draft_2020_12_and_ships_with_the_package(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": SANITIZED_SCHEMA}


def _then_schema(schema: dict[str, Any], event_type: str) -> dict[str, Any]:
    for branch in schema["allOf"]:
        if branch["if"]["properties"]["type"]["const"] == event_type:
            ref = branch["then"]["$ref"].removeprefix("#/$defs/")
            then: dict[str, Any] = schema["$defs"][ref]
            return then
    raise AssertionError(f"no branch for {event_type}")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_schema_fields_per_type_match_the_default_allowlist(
    schema: dict[str, Any], event_type: str
) -> None:
    """The contract and the allowlist cannot drift apart."""
    declared = set(schema["properties"]) | set(_then_schema(schema, event_type)["properties"])
    assert declared == {"schema", *COMMON_FIELDS, *DEFAULT_ALLOWLIST[event_type]}


def test_schema_event_types_and_key_classes_match_the_code(schema: dict[str, Any]) -> None:
    assert set(schema["properties"]["type"]["enum"]) == EVENT_TYPES
    assert tuple(_then_schema(schema, "key_down")["properties"]["key_class"]["enum"]) == KEY_CLASSES


def test_sample_file_output_validates(validator: Draft202012Validator, context: Context) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"the shared sample is not at {SAMPLE}")
    pipeline = build_pipeline(load_policy(), Context(context.keyring, Directory(SAMPLE_PEOPLE)))
    raw_lines = SAMPLE.read_bytes().splitlines()
    outcomes = [pipeline.sanitize_json(line) for line in raw_lines]
    kept = [o for o in outcomes if isinstance(o, Sanitized)]
    assert len(kept) + sum(isinstance(o, Dropped) for o in outcomes) == len(raw_lines)
    events = [event for outcome in kept for event in outcome.events]  # summaries included
    assert any(event.get("field") == "typing" for event in events)
    # Typing is summarized and pointer moves are dropped by the default policy; every other
    # kind of event in the sample must still come out, so the schema check below sees them all.
    assert {"window_focus", "mouse_down", "mouse_up", "clipboard", "scroll", "key_down"} <= {
        event["type"] for event in events
    }
    for event in events:
        assert errors(validator, event) == [], event
    # And nothing identifying or typed from the sample made it through.
    output = orjson.dumps(events).decode().casefold()
    raws = [orjson.loads(line) for line in raw_lines]
    for raw in raws:
        for name in ("event_id", "user_id", "device_id", "session_id"):
            assert raw[name].casefold() not in output
        for name in ("text", "window_title"):
            if raw.get(name) and not raw[name].startswith(("Onboarding", "main.py")):
                assert raw[name].casefold() not in output
    for person in SAMPLE_PEOPLE:
        for secret in (person.display_name, person.email, person.login):
            assert secret.casefold() not in output


@given(valid_events())
@PROPERTY
def test_generated_events_output_validates(
    per_event_pipeline: Pipeline, validator: Draft202012Validator, raw: dict[str, Any]
) -> None:
    outcome = per_event_pipeline.sanitize(raw)
    if isinstance(outcome, Sanitized):
        assert errors(validator, outcome.event) == [], outcome.event


@given(st.lists(valid_events(), min_size=1, max_size=30))
@settings(max_examples=30, deadline=None)
def test_default_policy_output_validates_summaries_included(
    context: Context, validator: Draft202012Validator, raws: list[dict[str, Any]]
) -> None:
    pipeline = build_pipeline(load_policy(), Context(keyring=context.keyring))  # fresh state
    for raw in raws:
        outcome = pipeline.sanitize(raw)
        if isinstance(outcome, Sanitized):
            for event in outcome.events:
                assert errors(validator, event) == [], event


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_type_validates(
    per_event_pipeline: Pipeline, validator: Draft202012Validator, event_type: str
) -> None:
    assert errors(validator, sanitized(per_event_pipeline, make_event(event_type))) == []


@pytest.mark.parametrize(
    ("event_type", "change"),
    [
        ("key_down", {"key": "a"}),
        ("key_down", {"code": "KeyA"}),
        ("text_input", {"text": "hunter2"}),
        ("clipboard", {"text": "4111 1111 1111 1111"}),
        ("mouse_move", {"key_class": "letter"}),  # a field of another type
        ("window_focus", {"x": 3}),
        ("click", {"debug": True}),
        ("click", {"user_id": "jane.doe@corp.example"}),  # a raw identifier
        ("click", {"device_id": "LT-JDOE-4411"}),
        ("click", {"session_id": "c2cd789a-3802-08a9-ad45-f23d3b1a11df"}),
        ("click", {"event_id": "C2CD789A380208A9AD45F23D3B1A11DF"}),  # not lower-case hex
        ("click", {"ts": 1_778_758_187.5}),
        ("click", {"ts": "2026-05-14T09:31:02Z"}),
        ("click", {"schema": "interaction/v1"}),
        ("key_down", {"key_class": "KeyA"}),
        ("text_input", {"text_length": "11"}),
        ("click", {"screen": [1920]}),
    ],
    ids=repr,
)
def test_schema_refuses_what_must_never_leave(
    per_event_pipeline: Pipeline,
    validator: Draft202012Validator,
    event_type: str,
    change: dict[str, Any],
) -> None:
    event = {**sanitized(per_event_pipeline, make_event(event_type)), **change}
    assert errors(validator, event)


@pytest.mark.parametrize("name", ["schema", "event_id", "user_id", "session_id", "key_id", "ts"])
def test_schema_requires_the_envelope(
    per_event_pipeline: Pipeline, validator: Draft202012Validator, name: str
) -> None:
    event = sanitized(per_event_pipeline, make_event("click"))
    del event[name]
    assert errors(validator, event)


def test_schema_requires_the_fields_each_type_needs(
    per_event_pipeline: Pipeline, validator: Draft202012Validator
) -> None:
    for event_type, name in (("key_down", "key_class"), ("clipboard", "action"), ("scroll", "dy")):
        event = sanitized(per_event_pipeline, make_event(event_type))
        del event[name]
        assert errors(validator, event), (event_type, name)
