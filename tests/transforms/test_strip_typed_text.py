"""strip_typed_text: nothing a person typed reaches the output, only its coarse shape.

Changed with issue 9: Tab has its own class ``tab`` (a command, no longer ``whitespace``), and
unknown names (``other``) are typing, never commands.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.transforms.raw_events import PROPERTY, make_event, valid_events
from transforms.context import Context
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy
from transforms.registry import Transform
from transforms.strip_typed_text import (
    COMMAND_CLASSES,
    KEY_CLASSES,
    StripTypedTextConfig,
    is_command,
    key_class,
    length_bucket,
    strip_typed_text,
)

TYPED_FIELDS = {"key", "code", "text"}


def build(**config: Any) -> Transform:
    return strip_typed_text(StripTypedTextConfig(**config), Context())


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a", "letter"), ("Z", "letter"), ("é", "letter"), ("ж", "letter"), ("中", "letter"),
        ("1", "digit"), ("٣", "digit"),
        (" ", "whitespace"), ("Tab", "tab"), ("\u00a0", "whitespace"),
        ("@", "punctuation"), (",", "punctuation"), ("+", "punctuation"), ("€", "punctuation"),
        ("Enter", "enter"),
        ("Backspace", "editing"), ("Delete", "editing"), ("Paste", "editing"),
        ("Shift", "modifier"), ("Control", "modifier"), ("Meta", "modifier"),
        ("CapsLock", "modifier"),
        ("ArrowLeft", "navigation"), ("PageDown", "navigation"), ("Home", "navigation"),
        ("F5", "function"), ("F24", "function"), ("Escape", "function"),
    ],
)  # fmt: skip
def test_key_class_of_dom_key_values(key: str, expected: str) -> None:
    assert key_class(key) == expected


@pytest.mark.parametrize(
    "key", ["Dead", "Unidentified", "Process", "", "PrintScreen", "MediaPlayPause", "F25"]
)
def test_unknown_named_keys_fall_to_other_which_is_typing(key: str) -> None:
    assert key_class(key) == "other"
    assert not is_command(key_class(key), [])
    assert not is_command(key_class(key), ["shift"])


@pytest.mark.parametrize(
    ("key", "modifiers", "expected"),
    [
        ("Enter", [], True), ("Tab", [], True), ("Escape", [], True), ("ArrowUp", [], True),
        ("PageDown", ["shift"], True), ("F24", [], True), ("c", ["ctrl"], True),
        ("Unidentified", ["alt"], True), ("s", ["meta", "shift"], True),
        ("a", [], False), ("A", ["shift"], False), ("Backspace", [], False), (" ", [], False),
        ("Shift", ["shift"], False), ("Control", ["ctrl"], False), ("CapsLock", [], False),
        ("Unidentified", [], False), ("Dead", [], False), ("Insert", [], False),
        ("Enter", ["shift"], False), ("Enter", ["shift", "ctrl"], True), ("Tab", ["shift"], True),
    ],
)  # fmt: skip
def test_only_the_command_list_and_shortcuts_are_commands(
    key: str, modifiers: list[str], expected: bool
) -> None:
    assert is_command(key_class(key), modifiers) is expected


def test_values_that_are_not_key_classes_are_never_commands() -> None:
    assert not is_command(None, ["ctrl"])
    assert not is_command("KeyA", ["ctrl"])
    assert not is_command("letter", "ctrl")
    assert set(KEY_CLASSES) > COMMAND_CLASSES


def test_collapse_typing_leaves_one_class_for_every_key_that_is_not_a_command() -> None:
    strip = build(collapse_typing=True)
    classes = {
        name: strip(make_event("key_down", key=name, modifiers=mods))["key_class"]
        for name, mods in (("a", []), ("1", []), (" ", []), ("Backspace", []),
                           ("Unidentified", []), ("Shift", ["shift"]), ("Enter", []),
                           ("ArrowLeft", []), ("x", ["ctrl"]))
    }  # fmt: skip
    assert classes == {
        "a": "typing", "1": "typing", " ": "typing", "Backspace": "typing",
        "Unidentified": "typing", "Shift": "typing", "Enter": "enter",
        "ArrowLeft": "navigation", "x": "letter",
    }  # fmt: skip


def test_multi_character_composed_text_counts_as_letters() -> None:
    # Some IMEs and dead-key compositions put the typed text itself in ``key``.
    assert key_class("ça") == "letter"
    assert key_class("ab") == "letter"


@given(st.text(max_size=64))
@PROPERTY
def test_key_class_is_always_one_of_the_fixed_classes(key: str) -> None:
    assert key_class(key) in KEY_CLASSES


@pytest.mark.parametrize("event_type", ["key_down", "key_up"])
def test_key_and_code_are_replaced_by_the_key_class(event_type: str) -> None:
    event = make_event(event_type, key="q", code="KeyQ", modifiers=["shift"], repeat=True)
    out = build()(event)
    assert out is not None
    assert not TYPED_FIELDS & set(out)
    assert out["key_class"] == "letter"
    assert out["modifiers"] == ["shift"]
    assert out["repeat"] is True


def test_modifiers_can_be_dropped() -> None:
    out = build(keep_modifiers=False)(make_event("key_down", modifiers=["ctrl"]))
    assert out is not None and "modifiers" not in out


def test_text_input_keeps_only_a_length_bucket() -> None:
    out = build()(make_event("text_input", text="my secret plans", field="textarea"))
    assert out is not None
    assert "text" not in out
    assert out["text_length"] == "5-16"
    assert out["field"] == "textarea"


def test_typed_password_never_reaches_output_not_even_its_length() -> None:
    out = build()(make_event("text_input", text="hunter2", field="password"))
    assert out is not None
    assert "text" not in out and "text_length" not in out


def test_clipboard_text_is_removed() -> None:
    out = build()(make_event("clipboard", text="4111 1111 1111 1111", action="copy"))
    assert out is not None
    assert "text" not in out
    assert out["text_length"] == "17-64"
    assert out["action"] == "copy"


def test_clipboard_without_text_gets_no_length() -> None:
    event = make_event("clipboard")
    del event["text"]
    out = build()(event)
    assert out is not None and "text_length" not in out


def test_length_bucket_can_be_turned_off() -> None:
    out = build(keep_length_bucket=False)(make_event("text_input", text="abc"))
    assert out is not None and "text_length" not in out


@pytest.mark.parametrize(
    ("length", "label"),
    [(0, "0"), (1, "1-4"), (4, "1-4"), (5, "5-16"), (16, "5-16"), (17, "17-64"), (64, "17-64"),
     (65, "65-256"), (256, "65-256"), (257, "257+"), (65_536, "257+")],
)  # fmt: skip
def test_default_length_buckets(length: int, label: str) -> None:
    assert length_bucket(length, StripTypedTextConfig().length_buckets) == label


def test_custom_length_buckets() -> None:
    out = build(length_buckets=[10, 100])(make_event("text_input", text="x" * 42))
    assert out is not None and out["text_length"] == "10-99"


@pytest.mark.parametrize("buckets", [[], [5, 1], [1, 1, 5], [0, 5], [-1, 5]])
def test_length_buckets_must_be_distinct_positive_ascending(buckets: list[int]) -> None:
    with pytest.raises(ValidationError, match="length_buckets"):
        StripTypedTextConfig(length_buckets=buckets)  # type: ignore[arg-type]


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="keep_text"):
        StripTypedTextConfig(keep_text=True)  # type: ignore[call-arg]


@pytest.mark.parametrize("event_type", ["key_down", "text_input", "clipboard", "mouse_move"])
def test_input_event_is_not_mutated(event_type: str) -> None:
    event = make_event(event_type)
    before = orjson.dumps(event)
    build()(event)
    assert orjson.dumps(event) == before


def test_events_without_typed_content_pass_unchanged() -> None:
    event = make_event("scroll")
    assert build()(event) == event


# --- properties over the whole default pipeline ------------------------------------------------

# A canary the output could not contain by accident: long enough, with a letter that is not a
# hex digit (pseudonyms are hex), so a hit can only be a leak.
canaries = st.text(min_size=4, max_size=40).filter(
    lambda s: any(c.isalpha() and c.casefold() not in "abcdef" for c in s)
)
cased_canaries = st.tuples(canaries, st.sampled_from(["as_is", "upper", "lower", "swap"])).map(
    lambda pair: {
        "as_is": pair[0], "upper": pair[0].upper(), "lower": pair[0].lower(),
        "swap": pair[0].swapcase(),
    }[pair[1]]
)  # fmt: skip

# One stand-in character per key class: typing these instead must give the same output.
_STAND_IN = {"letter": "x", "digit": "0", "whitespace": " ", "punctuation": "."}


def _code_for(char: str) -> str:
    if char.isascii() and char.isalpha():
        return f"Key{char.upper()}"
    if char.isascii() and char.isdigit():
        return f"Digit{char}"
    return "Unidentified"


def typed_as_keys(text: str, base: dict[str, Any]) -> list[dict[str, Any]]:
    """The key_down/key_up events of typing ``text`` one character at a time."""
    events = []
    for index, char in enumerate(text):
        for offset, event_type in enumerate(("key_down", "key_up")):
            events.append(
                {**base, "type": event_type, "key": char, "code": _code_for(char),
                 "seq": 2 * index + offset, "modifiers": ["shift"] if char.isupper() else []}
            )  # fmt: skip
    return events


def sanitized_json(pipeline: Pipeline, events: list[dict[str, Any]]) -> bytes:
    outputs = []
    for event in events:
        outcome = pipeline.sanitize(event)
        assert isinstance(outcome, Sanitized | Dropped), outcome
        if isinstance(outcome, Sanitized):
            for kept in outcome.events:  # summaries closed by this event included
                assert not TYPED_FIELDS & set(kept)
                outputs.append(kept)
    return orjson.dumps(outputs)


def json_forms(canary: str) -> set[str]:
    """The canary as it would appear inside JSON: as is and escaped (quotes, controls)."""
    return {canary.casefold(), orjson.dumps(canary).decode()[1:-1].casefold()}


def assert_no_canary(output: bytes, baseline: bytes, canary: str) -> None:
    """``baseline`` is the output for a stand-in typed instead of the canary: a canary that
    is already in it (``Slack`` typed in Slack) proves nothing and is skipped."""
    assume(not any(form in baseline.decode().casefold() for form in json_forms(canary)))
    for form in json_forms(canary):
        assert form not in output.decode().casefold()


@given(cased_canaries, valid_events(types=("key_down",), with_extras=False))
@PROPERTY
def test_typed_canary_never_survives_key_events(
    per_event_pipeline: Pipeline, canary: str, base: dict[str, Any]
) -> None:
    base = {**base, "app": "Slack", "window_title": "general - Acme Corp - Slack", "url": None}
    output = sanitized_json(per_event_pipeline, typed_as_keys(canary, base))
    baseline = sanitized_json(per_event_pipeline, typed_as_keys("x" * len(canary), base))
    assert_no_canary(output, baseline, canary)


@given(cased_canaries, valid_events(types=("key_down",), with_extras=False))
@PROPERTY
def test_key_events_reveal_only_key_classes(
    per_event_pipeline: Pipeline, canary: str, base: dict[str, Any]
) -> None:
    """Typing the canary or a stand-in of the same key classes gives identical output."""
    base = {**base, "app": "Slack", "window_title": "general - Acme Corp - Slack", "url": None}
    stand_in = "".join(_STAND_IN.get(key_class(c), c) for c in canary)
    real = typed_as_keys(canary, base)
    fake = typed_as_keys(stand_in, base)
    for event in fake:  # the shift state is a modifier, which the output keeps
        event["modifiers"] = real[event["seq"]]["modifiers"]
    assert sanitized_json(per_event_pipeline, real) == sanitized_json(per_event_pipeline, fake)


@given(
    cased_canaries,
    valid_events(types=("text_input", "clipboard"), with_extras=False),
    st.text(max_size=30),
)
@PROPERTY
def test_typed_or_pasted_canary_never_survives(
    per_event_pipeline: Pipeline, canary: str, base: dict[str, Any], padding: str
) -> None:
    event = {**base, "text": padding + canary + padding, "window_title": "Notes", "url": None}
    output = sanitized_json(per_event_pipeline, [event])
    baseline = sanitized_json(per_event_pipeline, [{**event, "text": ""}])
    assert_no_canary(output, baseline, canary)


@given(
    st.text(max_size=300),
    valid_events(types=("text_input", "clipboard"), with_extras=False),
)
@PROPERTY
def test_text_output_depends_only_on_its_length_bucket(
    per_event_pipeline: Pipeline, text: str, base: dict[str, Any]
) -> None:
    real = {**base, "text": text, "window_title": "Notes", "url": None}
    fake = {**real, "text": "x" * len(text)}
    assert sanitized_json(per_event_pipeline, [real]) == sanitized_json(per_event_pipeline, [fake])


@given(st.text(min_size=1, max_size=100), valid_events(types=("text_input",), with_extras=False))
@PROPERTY
def test_password_field_output_does_not_depend_on_the_password_at_all(
    per_event_pipeline: Pipeline, password: str, base: dict[str, Any]
) -> None:
    real = {**base, "text": password, "field": "password", "window_title": "Login", "url": None}
    empty = {**real, "text": ""}
    assert sanitized_json(per_event_pipeline, [real]) == sanitized_json(per_event_pipeline, [empty])


def test_free_text_in_field_and_mime_is_replaced_by_other() -> None:
    strip = strip_typed_text(StripTypedTextConfig(), Context())
    text_input = {"type": "text_input", "text": "x", "field": "Notes for Jane Doe"}
    clipboard = {"type": "clipboard", "action": "copy", "text": "x", "mime": "jane.doe.vcf"}
    assert strip(text_input)["field"] == "other"
    assert strip(clipboard)["mime"] == "other"
    assert strip({**clipboard, "mime": "text/plain"})["mime"] == "text/plain"
    assert strip({**text_input, "field": "email"})["field"] == "email"


@pytest.mark.parametrize(
    "policy", ["builtin:default", "builtin:strict", "builtin:loose", "builtin:per-event"]
)
@given(cased_canaries, valid_events(types=("key_down",), with_extras=False))
@settings(max_examples=40, deadline=None)
def test_typed_canary_never_survives_any_builtin_policy(
    context: Context, policy: str, canary: str, base: dict[str, Any]
) -> None:
    """Built-in policies keep per-session state, so each run gets fresh pipelines."""
    base = {**base, "app": "Slack", "window_title": "general - Acme Corp - Slack", "url": None}
    # Enter closes the typing run, so the default's summary of it is part of the output too.
    enter = {**base, "type": "key_down", "key": "Enter", "code": "Enter", "seq": 10_000,
             "modifiers": [], "repeat": False}  # fmt: skip
    output = sanitized_json(fresh_pipeline(policy, context), [*typed_as_keys(canary, base), enter])
    assert output != b"[]"
    stand_in = "x" * len(canary)
    baseline = sanitized_json(
        fresh_pipeline(policy, context), [*typed_as_keys(stand_in, base), enter]
    )
    assert_no_canary(output, baseline, canary)


def fresh_pipeline(policy: str, context: Context) -> Pipeline:
    # Presidio's analyzer is the slow part of building; the directory-less context keeps it quick.
    return build_pipeline(load_policy(policy), Context(keyring=context.keyring))
