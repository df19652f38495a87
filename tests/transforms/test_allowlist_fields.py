"""allowlist_fields: the last stage; only listed fields leave, typed content never can."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from tests.transforms.raw_events import make_event
from transforms.allowlist_fields import (
    COMMON_FIELDS,
    DEFAULT_ALLOWLIST,
    AllowlistFieldsConfig,
    allowlist_fields,
)
from transforms.context import Context
from transforms.event import EVENT_TYPES, SANITIZED_SCHEMA
from transforms.registry import Transform


def build(fields: dict[str, Any] | None = None) -> Transform:
    config = AllowlistFieldsConfig() if fields is None else AllowlistFieldsConfig(fields=fields)
    return allowlist_fields(config, Context())


def test_default_allowlist_covers_every_event_type() -> None:
    assert set(DEFAULT_ALLOWLIST) == {"*", *EVENT_TYPES}


def test_output_is_stamped_with_the_sanitized_schema() -> None:
    out = build()(make_event("click"))
    assert out is not None and out["schema"] == SANITIZED_SCHEMA


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_only_listed_fields_leave(event_type: str) -> None:
    event = make_event(event_type, key_class="letter", text_length="1-4", key_id="k")
    event["surprise_field"] = "from a new collector"
    out = build()(event)
    assert out is not None
    allowed = {"schema", *COMMON_FIELDS, *DEFAULT_ALLOWLIST[event_type]}
    assert set(out) <= allowed
    assert "surprise_field" not in out


def test_typed_content_never_leaves_even_if_a_stage_forgot_it() -> None:
    out = build()(make_event("key_down", key="q", code="KeyQ", key_class="letter"))
    assert out is not None
    assert not {"key", "code", "text"} & set(out)
    out = build()(make_event("text_input", text="secret"))
    assert out is not None and "text" not in out


def test_fields_of_another_type_are_removed() -> None:
    out = build()(make_event("mouse_move", button="left", key_class="letter"))
    assert out is not None
    assert "button" not in out and "key_class" not in out


def test_custom_allowlist_narrows_the_output() -> None:
    out = build({"*": ["event_id", "user_id", "session_id", "key_id", "ts", "type"]})(
        make_event("click", key_id="k1")
    )
    assert out is not None
    assert set(out) == {"schema", "event_id", "user_id", "session_id", "key_id", "ts", "type"}


@pytest.mark.parametrize(
    "fields",
    [
        {"key_down": ["key_class", "key"]},
        {"key_up": ["code"]},
        {"text_input": ["text"]},
        {"clipboard": ["text", "mime"]},
        {"*": [*COMMON_FIELDS, "text"]},
    ],
    ids=repr,
)
def test_typed_content_fields_cannot_be_allowed(fields: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError, match="typed content"):
        AllowlistFieldsConfig(fields=fields)  # type: ignore[arg-type]


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="keypress"):
        AllowlistFieldsConfig(fields={"keypress": ["key_class"]})  # type: ignore[dict-item]


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="passthrough"):
        AllowlistFieldsConfig(passthrough=True)  # type: ignore[call-arg]


def test_input_event_is_not_mutated() -> None:
    event = make_event("key_down")
    before = orjson.dumps(event)
    build()(event)
    assert orjson.dumps(event) == before
