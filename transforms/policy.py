"""The policy: an ordered list of named stages, each a registered transform with its config.

A policy is a YAML or TOML file (config as data), validated completely before anything runs:
unknown keys, unknown transforms, bad config values and unsafe shapes are errors that name the
file, the stage and the field. Without a file the built-in default policy applies, and it is
safe. A policy that would let typed text or raw identifiers through is refused: the stages in
``REQUIRED_STAGES`` must apply to every event, and ``allowlist_fields`` must come last.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transforms.context import Context
from transforms.event import EVENT_TYPES
from transforms.pipeline import Pipeline, Stage
from transforms.policy_extends import EXTENSION_KEYS, ExtendError, did_you_mean, resolve_extends
from transforms.registry import lookup, registered_names

REQUIRED_STAGES = ("strip_typed_text", "pseudonymize_ids", "coarsen_timestamp", "scrub_text")
FINAL_STAGE = "allowlist_fields"
BUILTIN_POLICIES = ("default", "strict", "loose", "per-event")
POLICY_VERSION = 1  # the only policy format this code reads
# absorb_typing_runs decides for summarize_typing, so what runs between them must not drop an
# action (a scroll that continues a gesture cannot come while a typing run is open).
BETWEEN_ABSORBER_AND_SUMMARY = frozenset({"pseudonymize_ids", "scrub_text", "summarize_scrolls"})


class PolicyError(ValueError):
    """A policy that cannot run. The message names the file, stage and field."""


class Selector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    types: tuple[str, ...] | None = None
    apps: tuple[str, ...] | None = None


class StageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    transform: str
    name: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    when: Selector | None = None

    @property
    def stage_name(self) -> str:
        return self.name or self.transform


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = POLICY_VERSION
    description: str = ""
    extends: str | None = Field(None, description="the base policy, already resolved in stages")
    stages: tuple[StageSpec, ...]
    source: str = "<built-in default>"


DOCUMENT_KEYS = tuple(name for name in Policy.model_fields if name != "source") + EXTENSION_KEYS


def _describe_stage(policy: Policy, index: int) -> str:
    return f"stage {index + 1} ({policy.stages[index].stage_name})"


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _extra_key_hint(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """For a misspelt key, the closest valid key at its level."""
    models: dict[int, type[BaseModel]] = {3: StageSpec, 5: Selector}
    model = models.get(len(loc))
    if model is None:
        return ""
    return did_you_mean(str(loc[-1]), [name for name in model.model_fields if name != "source"])


def _check_document(data: dict[str, Any], source: str) -> None:
    """Errors a user makes first, named before pydantic's less specific ones."""
    for key in data:
        if key not in DOCUMENT_KEYS:
            raise PolicyError(
                f"{source}: unknown key {key!r}{did_you_mean(str(key), DOCUMENT_KEYS)}"
            )
    version = data.get("version", POLICY_VERSION)
    if type(version) is not int or version != POLICY_VERSION:
        raise PolicyError(
            f"{source}: version: {version!r} is not supported; this sanitizer reads policy "
            f"version {POLICY_VERSION} (upgrade the sanitizer, or write a version 1 policy)"
        )


def parse_policy(
    data: Any, source: str, *, base_dir: Path | None = None, seen: Sequence[str] = ()
) -> Policy:
    """Validate the structure of a decoded policy document (``extends`` resolved first, from
    ``builtin:NAME`` or a file relative to ``base_dir``)."""
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy must be a mapping with a 'stages' list")
    _check_document(data, source)

    def load_base(reference: str) -> list[dict[str, Any]]:
        base = _load(reference, base_dir, (*seen, source))
        return [stage.model_dump(exclude_none=True) for stage in base.stages]

    try:
        data = resolve_extends(data, load_base)
    except ExtendError as error:
        raise PolicyError(f"{source}: {error}") from None
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as error:
        errors = error.errors()
        # A misspelt key also leaves a required one missing; the misspelling is the cause.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = first["loc"]
        where = _location(loc)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"{message}{_extra_key_hint(loc, data)}"
        if len(loc) >= 2 and loc[0] == "stages" and isinstance(loc[1], int):
            stage = data["stages"][loc[1]]
            label = stage.get("name") or stage.get("transform") if isinstance(stage, dict) else "?"
            where = f"stage {loc[1] + 1} ({label}): field {_location(loc[2:])}"
        raise PolicyError(f"{source}: {where}: {message}") from None
    check_transforms_exist(policy)
    check_policy_shape(policy)
    return policy


def check_transforms_exist(policy: Policy) -> None:
    """An unknown transform is named, with the closest registered one: a typo in a required
    stage is a typo, not a missing stage."""
    for index, stage in enumerate(policy.stages):
        try:
            lookup(stage.transform)
        except KeyError:
            hint = did_you_mean(stage.transform, registered_names())
            raise PolicyError(
                f"{policy.source}: {_describe_stage(policy, index)}: field transform: "
                f"unknown transform {stage.transform!r}{hint}"
            ) from None


def check_policy_shape(policy: Policy) -> None:
    """Refuse policies that could leak: required stages unconditional, allowlist last."""
    src = policy.source
    if not policy.stages:
        raise PolicyError(f"{src}: stages: a policy needs at least the required stages")
    names = [stage.stage_name for stage in policy.stages]
    if len(set(names)) != len(names):
        raise PolicyError(f"{src}: stages: stage names must be unique (set 'name' to tell apart)")
    for index, stage in enumerate(policy.stages):
        if stage.when is not None and stage.when.types is not None:
            unknown = set(stage.when.types) - EVENT_TYPES
            if unknown:
                raise PolicyError(
                    f"{src}: {_describe_stage(policy, index)}: field when.types: unknown "
                    f"event type(s) {', '.join(sorted(unknown))}"
                )
    last = policy.stages[-1]
    if last.transform != FINAL_STAGE or last.when is not None:
        raise PolicyError(
            f"{src}: stages: the last stage must be '{FINAL_STAGE}' with no 'when' selector, "
            "so that only allowlisted fields leave the pipeline"
        )
    for required in REQUIRED_STAGES:
        unconditional = [s for s in policy.stages if s.transform == required and s.when is None]
        if not unconditional:
            raise PolicyError(
                f"{src}: stages: '{required}' must appear without a 'when' selector; "
                "it is part of the privacy guarantee"
            )
    for index, stage in enumerate(policy.stages):
        if stage.transform == "absorb_typing_runs":
            _check_typing_absorber(policy, index)


def _check_typing_absorber(policy: Policy, index: int) -> None:
    """absorb_typing_runs must see key classes and hand its counts to summarize_typing."""
    where = f"{policy.source}: {_describe_stage(policy, index)}"
    transforms = [stage.transform for stage in policy.stages]
    after = [i for i in range(index + 1, len(transforms)) if transforms[i] == "summarize_typing"]
    if policy.stages[index].when is not None or not after or policy.stages[after[0]].when:
        raise PolicyError(
            f"{where}: needs a later 'summarize_typing' stage, neither with a 'when' selector"
        )
    if "strip_typed_text" not in transforms[:index]:
        raise PolicyError(f"{where}: must come after 'strip_typed_text' (it reads key classes)")
    for between in policy.stages[index + 1 : after[0]]:
        if between.transform not in BETWEEN_ABSORBER_AND_SUMMARY:
            raise PolicyError(
                f"{where}: only {', '.join(sorted(BETWEEN_ABSORBER_AND_SUMMARY))} may run "
                f"between it and 'summarize_typing', not '{between.stage_name}'"
            )


def read_policy_file(path: Path, seen: Sequence[str] = ()) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(f"{path}: cannot read the policy: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise PolicyError(f"{path}: not UTF-8 (byte {error.start}): save it as UTF-8") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        kind = "TOML" if path.suffix == ".toml" else "YAML"
        raise PolicyError(f"{path}: not valid {kind}: {error}") from None
    return parse_policy(data, str(path), base_dir=path.parent, seen=seen)


def builtin_policy(name: str = "default", seen: Sequence[str] = ()) -> Policy:
    if name not in BUILTIN_POLICIES:
        hint = did_you_mean(name, BUILTIN_POLICIES)
        raise PolicyError(f"unknown built-in policy {name!r}{hint}")
    text = resources.files("transforms.policies").joinpath(f"{name}.yaml").read_text("utf-8")
    return parse_policy(yaml.safe_load(text), f"<built-in {name}>", seen=seen)


def _load(reference: str, base_dir: Path | None, seen: Sequence[str]) -> Policy:
    """``extends: REFERENCE`` of the policy last in ``seen``; refuses a cycle."""
    if reference.startswith("builtin:"):
        name = reference.removeprefix("builtin:")
        source = f"<built-in {name}>"
    else:
        path = Path(reference)
        path = path if path.is_absolute() or base_dir is None else base_dir / path
        source = str(path)
    if source in seen or len(seen) > 8:
        raise PolicyError(f"{seen[-1]}: extends: {reference} extends itself (a cycle)")
    if reference.startswith("builtin:"):
        return builtin_policy(reference.removeprefix("builtin:"), seen)
    return read_policy_file(Path(source), seen)


def load_policy(path: Path | str | None = None) -> Policy:
    """A policy file, ``builtin:NAME``, or the built-in default when ``path`` is None."""
    if path is None:
        return builtin_policy()
    if str(path).startswith("builtin:"):
        return builtin_policy(str(path).removeprefix("builtin:"))
    return read_policy_file(Path(path))


def build_pipeline(policy: Policy, context: Context) -> Pipeline:
    """Instantiate every stage. Config errors name the file, stage and field."""
    stages = []
    for index, spec in enumerate(policy.stages):
        where = f"{policy.source}: {_describe_stage(policy, index)}"
        try:
            transform_spec = lookup(spec.transform)
        except KeyError as error:
            raise PolicyError(f"{where}: field transform: {error.args[0]}") from None
        try:
            transform = transform_spec.build(spec.config, context)
        except ValidationError as error:
            errors = error.errors()
            first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
            message = first["msg"]
            if first["type"] == "extra_forbidden" and len(first["loc"]) == 1:
                known = list(transform_spec.config_model.model_fields)
                message = f"{message}{did_you_mean(str(first['loc'][0]), known)}"
            raise PolicyError(
                f"{where}: field config.{_location(first['loc'])}: {message}"
            ) from None
        except (RuntimeError, ValueError) as error:
            raise PolicyError(f"{where}: {error}") from None
        when = spec.when
        stages.append(
            Stage(
                name=spec.stage_name,
                transform=transform,
                types=frozenset(when.types) if when and when.types is not None else None,
                apps=frozenset(when.apps) if when and when.apps is not None else None,
                drops=transform_spec.drops,
            )
        )
    return Pipeline(stages)
