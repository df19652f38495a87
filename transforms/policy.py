"""The policy: an ordered list of named stages, each a registered transform with its config.

A policy is a YAML or TOML file (config as data), validated completely before anything runs:
unknown keys, unknown transforms, bad config values and unsafe shapes are errors that name the
file, the stage and the field. Without a file the built-in default policy applies, and it is
safe. A policy that would let typed text or raw identifiers through is refused: the stages in
``REQUIRED_STAGES`` must apply to every event, and ``allowlist_fields`` must come last.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transforms.context import Context
from transforms.event import EVENT_TYPES
from transforms.pipeline import Pipeline, Stage
from transforms.registry import lookup

REQUIRED_STAGES = ("strip_typed_text", "pseudonymize_ids", "coarsen_timestamp", "scrub_text")
FINAL_STAGE = "allowlist_fields"
BUILTIN_POLICIES = ("default", "strict", "loose", "per-event")


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
    version: int = 1
    description: str = ""
    stages: tuple[StageSpec, ...]
    source: str = "<built-in default>"


def _describe_stage(policy: Policy, index: int) -> str:
    return f"stage {index + 1} ({policy.stages[index].stage_name})"


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_policy(data: Any, source: str) -> Policy:
    """Validate the structure of a decoded policy document."""
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy must be a mapping with a 'stages' list")
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as error:
        first = error.errors()[0]
        loc = first["loc"]
        where = _location(loc)
        if len(loc) >= 2 and loc[0] == "stages" and isinstance(loc[1], int):
            stage = data["stages"][loc[1]]
            label = stage.get("name") or stage.get("transform") if isinstance(stage, dict) else "?"
            where = f"stage {loc[1] + 1} ({label}): field {_location(loc[2:])}"
        raise PolicyError(f"{source}: {where}: {first['msg']}") from None
    check_policy_shape(policy)
    return policy


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


def read_policy_file(path: Path) -> Policy:
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
    return parse_policy(data, str(path))


def builtin_policy(name: str = "default") -> Policy:
    if name not in BUILTIN_POLICIES:
        raise PolicyError(f"unknown built-in policy {name!r}; known: {', '.join(BUILTIN_POLICIES)}")
    text = resources.files("transforms.policies").joinpath(f"{name}.yaml").read_text("utf-8")
    return parse_policy(yaml.safe_load(text), f"<built-in {name}>")


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
            first = error.errors()[0]
            raise PolicyError(
                f"{where}: field config.{_location(first['loc'])}: {first['msg']}"
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
            )
        )
    return Pipeline(stages)
