"""The policy: validated whole before anything runs; errors name the file, stage and field."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.transforms.raw_events import make_event
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import (
    BUILTIN_POLICIES,
    REQUIRED_STAGES,
    PolicyError,
    build_pipeline,
    builtin_policy,
    load_policy,
)

SAFE_STAGES: list[dict[str, Any]] = [
    {"transform": "drop_sensitive_apps"},
    {"transform": "strip_typed_text"},
    {"transform": "pseudonymize_ids"},
    {"transform": "coarsen_timestamp", "config": {"bucket_ms": 1000}},
    {"transform": "scrub_text"},
    {"transform": "allowlist_fields"},
]

TOML_POLICY = """\
version = 1
description = "the default, in TOML"

[[stages]]
transform = "drop_sensitive_apps"

[[stages]]
transform = "strip_typed_text"

[[stages]]
transform = "pseudonymize_ids"

[[stages]]
transform = "coarsen_timestamp"
config = { bucket_ms = 1000 }

[[stages]]
transform = "scrub_text"

[[stages]]
transform = "allowlist_fields"
"""


@pytest.fixture(scope="module")
def check_context() -> Context:
    """What ``sanitizer check`` builds with: a throwaway key, no directory."""
    return Context(keyring=Keyring(b"policy-check-throwaway-key"))


def stages(**changes: Any) -> list[dict[str, Any]]:
    """The safe stages with ``changes`` merged into the stage named by each keyword."""
    result = copy.deepcopy(SAFE_STAGES)
    for name, change in changes.items():
        stage = next(s for s in result if s["transform"] == name)
        stage.update(change)
    return result


def write(tmp_path: Path, document: dict[str, Any], name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def check(path: Path, context: Context) -> Pipeline:
    """What ``sanitizer check`` does: load, then build every stage."""
    return build_pipeline(load_policy(path), context)


def check_error(path: Path, context: Context) -> str:
    with pytest.raises(PolicyError) as error:
        check(path, context)
    message = str(error.value)
    assert message.startswith(str(path)), message  # every error names the file first
    return message


# --- loading ------------------------------------------------------------------------------


def test_builtin_default_policy_loads_and_builds(context: Context) -> None:
    policy = load_policy()
    assert policy.source == "<built-in default>"
    assert [s.transform for s in policy.stages][-1] == "allowlist_fields"
    pipeline = build_pipeline(policy, context)
    # Since issue 9 a typed key opens a typing run (absorbed); a command key passes and closes it.
    assert pipeline.sanitize(make_event("key_down")) == Dropped("summarize_typing")
    closed = pipeline.sanitize(make_event("key_down", key="Enter", code="Enter"))
    assert isinstance(closed, Sanitized) and len(closed.events) == 2


@pytest.mark.parametrize("name", BUILTIN_POLICIES)
def test_every_builtin_policy_loads_and_builds(name: str, check_context: Context) -> None:
    policy = load_policy(f"builtin:{name}")
    build_pipeline(policy, check_context)
    assert policy == builtin_policy(name)


def test_unknown_builtin_policy_is_refused() -> None:
    with pytest.raises(PolicyError, match="unknown built-in policy 'paranoid'"):
        load_policy("builtin:paranoid")


def test_yaml_and_toml_policies_load_to_the_same_stages(
    tmp_path: Path, check_context: Context
) -> None:
    from_yaml = load_policy(write(tmp_path, {"version": 1, "stages": SAFE_STAGES}))
    toml_path = tmp_path / "policy.toml"
    toml_path.write_text(TOML_POLICY, encoding="utf-8")
    from_toml = load_policy(toml_path)
    assert from_yaml.stages == from_toml.stages
    assert from_toml.source == str(toml_path)
    check(toml_path, check_context)


def test_yml_suffix_is_read_as_yaml(tmp_path: Path, check_context: Context) -> None:
    check(write(tmp_path, {"stages": SAFE_STAGES}, "policy.yml"), check_context)


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("bad.yaml", "stages: [transform: x\n", "YAML"),
        ("bad.toml", "[[stages]\ntransform = 'x'\n", "TOML"),
    ],
)
def test_syntax_error_names_the_file_and_format(
    tmp_path: Path, check_context: Context, name: str, text: str, kind: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert f"not valid {kind}" in check_error(path, check_context)


def test_missing_file_names_the_file(tmp_path: Path, check_context: Context) -> None:
    check_error(tmp_path / "nowhere.yaml", check_context)


def test_file_not_in_utf8_is_an_error_naming_the_file(
    tmp_path: Path, check_context: Context
) -> None:
    path = tmp_path / "latin1.yaml"
    text = "description: café\n" + yaml.safe_dump({"stages": SAFE_STAGES})
    path.write_bytes(text.encode("latin-1"))
    assert "UTF-8" in check_error(path, check_context)


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_policy_must_be_a_mapping(tmp_path: Path, check_context: Context, text: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    assert "must be a mapping" in check_error(path, check_context)


# --- structure ------------------------------------------------------------------------------


def test_unknown_top_level_key_is_named(tmp_path: Path, check_context: Context) -> None:
    message = check_error(write(tmp_path, {"stages": SAFE_STAGES, "stagez": []}), check_context)
    assert "stagez" in message


def test_unknown_stage_key_names_the_stage_and_field(
    tmp_path: Path, check_context: Context
) -> None:
    document = {"stages": stages(scrub_text={"confg": {"fields": []}})}
    message = check_error(write(tmp_path, document), check_context)
    assert "stage 5 (scrub_text)" in message and "field confg" in message


def test_unknown_transform_names_the_stage_and_the_known_transforms(
    tmp_path: Path, check_context: Context
) -> None:
    document = {"stages": [{"transform": "jitter_mouse"}, *SAFE_STAGES]}
    message = check_error(write(tmp_path, document), check_context)
    assert "stage 1 (jitter_mouse): field transform: unknown transform 'jitter_mouse'" in message
    assert "scrub_text" in message  # the known names, to pick the right one


@pytest.mark.parametrize(
    ("changes", "stage", "field"),
    [
        ({"coarsen_timestamp": {"config": {"bucket_ms": 10}}}, "stage 4 (coarsen_timestamp)",
         "field config.bucket_ms"),
        ({"coarsen_timestamp": {"config": {"bucket_ms": "one second"}}},
         "stage 4 (coarsen_timestamp)", "field config.bucket_ms"),
        ({"scrub_text": {"config": {"score_threshold": 2}}}, "stage 5 (scrub_text)",
         "field config.score_threshold"),
        ({"pseudonymize_ids": {"config": {"rotation": "hourly"}}}, "stage 3 (pseudonymize_ids)",
         "field config.rotation"),
        ({"strip_typed_text": {"config": {"length_buckets": [5, 1]}}},
         "stage 2 (strip_typed_text)", "field config.length_buckets"),
    ],
)  # fmt: skip
def test_bad_config_value_names_the_stage_and_field(
    tmp_path: Path, check_context: Context, changes: dict[str, Any], stage: str, field: str
) -> None:
    message = check_error(write(tmp_path, {"stages": stages(**changes)}), check_context)
    assert f"{stage}: {field}:" in message


def test_config_errors_never_echo_the_value(tmp_path: Path, check_context: Context) -> None:
    document = {"stages": stages(coarsen_timestamp={"config": {"bucket_ms": "hunter2-secret"}})}
    assert "hunter2" not in check_error(write(tmp_path, document), check_context)


@pytest.mark.parametrize(
    ("transform", "key"),
    [("scrub_text", "language"), ("allowlist_fields", "passthrough"), ("strip_typed_text", "keep")],
)
def test_unknown_config_key_names_the_stage_and_key(
    tmp_path: Path, check_context: Context, transform: str, key: str
) -> None:
    document = {"stages": stages(**{transform: {"config": {key: True}}})}
    message = check_error(write(tmp_path, document), check_context)
    assert re.search(rf"stage \d \({transform}\): field config\.{key}: Extra inputs", message)


@pytest.mark.parametrize("required", REQUIRED_STAGES)
def test_missing_required_stage_is_refused(
    tmp_path: Path, check_context: Context, required: str
) -> None:
    document = {"stages": [s for s in SAFE_STAGES if s["transform"] != required]}
    message = check_error(write(tmp_path, document), check_context)
    assert f"'{required}' must appear" in message


@pytest.mark.parametrize("required", REQUIRED_STAGES)
def test_required_stage_limited_by_a_selector_is_refused(
    tmp_path: Path, check_context: Context, required: str
) -> None:
    document = {"stages": stages(**{required: {"when": {"types": ["key_down"]}}})}
    message = check_error(write(tmp_path, document), check_context)
    assert f"'{required}' must appear without a 'when' selector" in message


def test_required_stage_may_repeat_with_a_selector_next_to_its_unconditional_one(
    tmp_path: Path, check_context: Context
) -> None:
    extra = {"transform": "scrub_text", "name": "scrub_app", "config": {"score_threshold": 0.2},
             "when": {"apps": ["Slack"]}}  # fmt: skip
    check(write(tmp_path, {"stages": [extra, *SAFE_STAGES]}), check_context)


def test_allowlist_not_last_is_refused(tmp_path: Path, check_context: Context) -> None:
    document = {"stages": [SAFE_STAGES[-1], *SAFE_STAGES[:-1]]}
    message = check_error(write(tmp_path, document), check_context)
    assert "last stage must be 'allowlist_fields'" in message


def test_missing_allowlist_is_refused(tmp_path: Path, check_context: Context) -> None:
    message = check_error(write(tmp_path, {"stages": SAFE_STAGES[:-1]}), check_context)
    assert "last stage must be 'allowlist_fields'" in message


def test_allowlist_with_a_selector_is_refused(tmp_path: Path, check_context: Context) -> None:
    document = {"stages": stages(allowlist_fields={"when": {"apps": ["Slack"]}})}
    assert "last stage must be" in check_error(write(tmp_path, document), check_context)


def test_empty_stage_list_is_refused(tmp_path: Path, check_context: Context) -> None:
    assert "at least the required stages" in check_error(
        write(tmp_path, {"stages": []}), check_context
    )


def test_duplicate_stage_names_are_refused(tmp_path: Path, check_context: Context) -> None:
    document = {"stages": [{"transform": "strip_typed_text"}, *SAFE_STAGES]}
    assert "unique" in check_error(write(tmp_path, document), check_context)


def test_selector_with_unknown_event_type_names_stage_and_field(
    tmp_path: Path, check_context: Context
) -> None:
    extra = {"transform": "drop_sensitive_apps", "name": "drop_keys",
             "when": {"types": ["key_down", "keypress"]}}  # fmt: skip
    message = check_error(write(tmp_path, {"stages": [extra, *SAFE_STAGES]}), check_context)
    assert "stage 1 (drop_keys): field when.types: unknown event type(s) keypress" in message


def test_selector_with_unknown_key_is_refused(tmp_path: Path, check_context: Context) -> None:
    extra = {"transform": "drop_sensitive_apps", "name": "x", "when": {"type": ["key_down"]}}
    message = check_error(write(tmp_path, {"stages": [extra, *SAFE_STAGES]}), check_context)
    assert "stage 1 (x): field when.type" in message


@pytest.mark.parametrize(
    "fields",
    [{"key_down": ["key_class", "key"]}, {"clipboard": ["text"]}, {"*": ["event_id", "code"]}],
    ids=repr,
)
def test_typed_content_in_the_allowlist_is_refused(
    tmp_path: Path, check_context: Context, fields: dict[str, list[str]]
) -> None:
    document = {"stages": stages(allowlist_fields={"config": {"fields": fields}})}
    message = check_error(write(tmp_path, document), check_context)
    assert "stage 6 (allowlist_fields): field config.fields" in message
    assert "typed content" in message


@pytest.mark.parametrize("dropped", ["user_id", "device_id", "session_id", "event_id"])
def test_pseudonymize_fields_not_covering_every_identifier_are_refused(
    tmp_path: Path, check_context: Context, dropped: str
) -> None:
    fields = [f for f in ("user_id", "device_id", "session_id", "event_id") if f != dropped]
    document = {"stages": stages(pseudonymize_ids={"config": {"fields": fields}})}
    message = check_error(write(tmp_path, document), check_context)
    assert "stage 3 (pseudonymize_ids): field config.fields" in message
    assert dropped in message


def test_building_without_a_key_names_the_stage(tmp_path: Path) -> None:
    path = write(tmp_path, {"stages": SAFE_STAGES})
    message = check_error(path, Context())
    assert "stage 3 (pseudonymize_ids)" in message and "HMAC key" in message


# --- what a valid policy does -------------------------------------------------------------------


def test_selector_limits_an_extra_stage_to_its_types_and_apps(
    tmp_path: Path, check_context: Context
) -> None:
    extra = {
        "transform": "drop_sensitive_apps",
        "name": "drop_slack_keys",
        "config": {"apps": ["Slack"]},
        "when": {"types": ["key_down"], "apps": ["Slack"]},
    }
    pipeline = check(write(tmp_path, {"stages": [extra, *SAFE_STAGES]}), check_context)
    assert pipeline.sanitize(make_event("key_down", app="Slack")) == Dropped("drop_slack_keys")
    assert isinstance(pipeline.sanitize(make_event("click", app="Slack")), Sanitized)
    assert isinstance(pipeline.sanitize(make_event("key_down", app="Figma")), Sanitized)


def test_stage_name_defaults_to_its_transform() -> None:
    assert [s.stage_name for s in load_policy().stages] == [
        s.transform for s in load_policy().stages
    ]
