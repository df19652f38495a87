"""The registry: transforms by name, from this package, a test module or an entry point."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from tests.transforms.raw_events import make_event
from transforms import registry
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Sanitized
from transforms.policy import PolicyError, build_pipeline, parse_policy
from transforms.registry import (
    ENTRY_POINT_GROUP,
    Event,
    Transform,
    TransformConfig,
    lookup,
    register,
    registered_names,
)

BUILTINS = (
    "allowlist_fields", "coarsen_timestamp", "drop_sensitive_apps", "pseudonymize_ids",
    "scrub_text", "strip_typed_text",
)  # fmt: skip
SAFE_STAGES: list[dict[str, Any]] = [
    {"transform": "strip_typed_text"},
    {"transform": "pseudonymize_ids"},
    {"transform": "coarsen_timestamp"},
    {"transform": "scrub_text"},
    {"transform": "allowlist_fields"},
]
CONTEXT = Context(keyring=Keyring(b"registry-test-key-0123456789"))


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the registry as it was, and may add to it without leaking."""
    registry.registered_names()  # builtins (and installed plugins) in first
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)


class TagOsConfig(TransformConfig):
    tag: str = Field("redacted", description="what to write in place of the os field")


def tag_os(config: TagOsConfig, context: Context) -> Transform:
    """Replace ``os`` by a fixed tag (a test transform)."""

    def tag(event: Event) -> Event:
        return {**event, "os": config.tag} if "os" in event else event

    return tag


def test_builtin_transforms_are_registered_by_name() -> None:
    assert set(BUILTINS) <= set(registered_names())
    for name in BUILTINS:
        spec = lookup(name)
        assert spec.name == name
        assert spec.doc  # the factory docstring documents it


def test_unknown_name_is_a_key_error_listing_the_known_ones() -> None:
    with pytest.raises(KeyError) as error:
        lookup("no_such_transform")
    assert "unknown transform 'no_such_transform'" in str(error.value)
    assert "scrub_text" in str(error.value)


def test_transform_registered_from_a_test_module_is_usable_by_name_from_a_policy() -> None:
    register("tag_os", TagOsConfig)(tag_os)
    policy = parse_policy(
        {"stages": [{"transform": "tag_os", "config": {"tag": "some-os"}}, *SAFE_STAGES]},
        "plugin.yaml",
    )
    outcome = build_pipeline(policy, CONTEXT).sanitize(make_event("click", os="macOS 15.4"))
    assert isinstance(outcome, Sanitized)
    assert outcome.event["os"] == "some-os"


def test_registered_transform_config_errors_name_the_stage() -> None:
    register("tag_os", TagOsConfig)(tag_os)
    policy = parse_policy(
        {"stages": [{"transform": "tag_os", "config": {"label": "x"}}, *SAFE_STAGES]},
        "plugin.yaml",
    )
    with pytest.raises(PolicyError, match=r"stage 1 \(tag_os\): field config\.label"):
        build_pipeline(policy, CONTEXT)


def test_the_factory_stays_a_plain_function() -> None:
    factory = register("tag_os", TagOsConfig)(tag_os)
    assert factory is tag_os
    transform = factory(TagOsConfig(tag="t"), Context())
    assert transform({"os": "Windows 11"}) == {"os": "t"}


def test_a_second_transform_under_a_taken_name_is_refused() -> None:
    def impostor(config: TagOsConfig, context: Context) -> Transform:
        return lambda event: event

    with pytest.raises(ValueError, match="already registered"):
        register("scrub_text", TagOsConfig)(impostor)


def test_a_lookalike_factory_from_another_module_cannot_replace_a_builtin() -> None:
    # A plugin whose factory happens to share the built-in's name must not silently take over
    # a privacy stage.
    plugin_module: dict[str, Any] = {"__name__": "some_plugin.transforms"}
    exec("def scrub_text(config, context):\n    return lambda event: event\n", plugin_module)
    lookalike = plugin_module["scrub_text"]
    assert lookalike.__qualname__ == lookup("scrub_text").factory.__qualname__
    with pytest.raises(ValueError, match="already registered"):
        register("scrub_text", TagOsConfig)(lookalike)
    assert lookup("scrub_text").factory is not lookalike


def test_registering_the_same_factory_again_is_harmless() -> None:
    register("tag_os", TagOsConfig)(tag_os)
    register("tag_os", TagOsConfig)(tag_os)  # a module imported twice
    assert lookup("tag_os").factory is tag_os


def write_plugin_distribution(root: Path, module: str, transform_name: str) -> None:
    """An installed distribution, as pip leaves it: a module and a dist-info with its
    ``sanitizer.transforms`` entry point."""
    (root / f"{module}.py").write_text(
        textwrap.dedent(
            f'''
            from transforms.registry import TransformConfig, register


            class Config(TransformConfig):
                pass


            @register("{transform_name}", Config)
            def make(config, context):
                """Mark events as seen by the plugin."""
                return lambda event: {{**event, "os": "via-entry-point"}}
            '''
        ),
        encoding="utf-8",
    )
    dist_info = root / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n{transform_name} = {module}\n", encoding="utf-8"
    )


def test_entry_point_plugin_is_loaded_when_a_policy_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_plugin_distribution(tmp_path, "sanitizer_test_plugin", "mark_via_plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sanitizer_test_plugin", raising=False)
    assert "sanitizer_test_plugin" not in sys.modules

    policy = parse_policy(
        {"stages": [{"transform": "mark_via_plugin"}, *SAFE_STAGES]}, "entry-point.yaml"
    )
    outcome = build_pipeline(policy, CONTEXT).sanitize(make_event("click"))
    assert isinstance(outcome, Sanitized)
    assert outcome.event["os"] == "via-entry-point"
    assert "sanitizer_test_plugin" in sys.modules
    assert "mark_via_plugin" in registered_names()
    monkeypatch.delitem(sys.modules, "sanitizer_test_plugin")


def test_entry_points_are_not_loaded_for_builtin_names(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_entry_points(group: str) -> list[Any]:
        calls.append(group)
        return []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    lookup("scrub_text")
    assert calls == []
    with pytest.raises(KeyError):
        lookup("not_a_plugin_either")
    assert calls == [ENTRY_POINT_GROUP]
    with pytest.raises(KeyError):
        lookup("still_not_a_plugin")
    assert calls == [ENTRY_POINT_GROUP]  # loaded once per process


def test_entry_point_is_found_through_importlib_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    class FakeEntryPoint:
        name = "from_fake_entry_point"

        def load(self) -> object:
            loaded.append(self.name)
            register("from_fake_entry_point", TagOsConfig)(tag_os)
            return tag_os

    monkeypatch.setattr(registry, "entry_points", lambda group: [FakeEntryPoint()])
    assert lookup("from_fake_entry_point").factory is tag_os
    assert loaded == ["from_fake_entry_point"]
