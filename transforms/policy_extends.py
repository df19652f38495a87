"""``extends``: a policy written as another policy plus changes, so it follows its base.

A data engineer who wants "the default policy plus my stage" should not copy the default's
stages: a copy silently misses every stage the default gains later (the plugin example once
lacked the typing stages and let every key press out with its timing). Instead::

    version: 1
    extends: builtin:default          # or a policy file, relative to this one
    configure:                        # merged over the inherited stage's config, key by key
      coarsen_timestamp: {bucket_ms: 5000}
    insert:                           # one mapping or a list; before/after a stage's name
      - before: allowlist_fields
        stages:
          - transform: snap_pointer_to_grid
            config: {cell_px: 32}

This module turns such a document into a plain one with the base's resolved ``stages``, before
the usual validation runs on the result, so an extended policy passes exactly the same checks
(required stages unconditional, ``allowlist_fields`` last) as one written out in full.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

EXTENSION_KEYS = ("extends", "insert", "configure")


class ExtendError(ValueError):
    """An ``extends``/``insert``/``configure`` that cannot be applied (message without source)."""


class Insertion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    before: str | None = None
    after: str | None = None
    stages: tuple[dict[str, Any], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_anchor(self) -> Insertion:
        if (self.before is None) == (self.after is None):
            raise ValueError("give exactly one of 'before' or 'after' (a stage name)")
        return self


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, else the list of choices."""
    if not choices:
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(choices)}"


def _stage_name(stage: dict[str, Any]) -> str:
    return str(stage.get("name") or stage.get("transform"))


def _index_of(stages: list[dict[str, Any]], name: str, field: str) -> int:
    names = [_stage_name(stage) for stage in stages]
    if name not in names:
        raise ExtendError(
            f"{field}: no stage named {name!r} in the base{did_you_mean(name, names)}"
        )
    return names.index(name)


def _insertions(raw: Any) -> list[Insertion]:
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ExtendError(
            "insert: a mapping {before|after: STAGE, stages: [...]} or a list of them"
        )
    insertions = []
    for number, item in enumerate(items, start=1):
        try:
            insertions.append(Insertion.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            field = f"insert {number}" + (f": field {where}" if where else "")
            raise ExtendError(f"{field}: {first['msg'].removeprefix('Value error, ')}") from None
    return insertions


def apply_changes(base: list[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The base's stages with ``configure`` merged in and ``insert`` applied, in that order
    (``configure`` names inherited stages only; an inserted stage carries its own config)."""
    stages = [dict(stage) for stage in base]
    configure = data.get("configure") or {}
    if not isinstance(configure, dict):
        raise ExtendError("configure: a mapping of stage name to config keys")
    for name, changes in configure.items():
        index = _index_of(stages, str(name), f"configure.{name}")
        if not isinstance(changes, dict):
            raise ExtendError(f"configure.{name}: a mapping of config keys")
        stages[index]["config"] = {**(stages[index].get("config") or {}), **changes}
    inserted_after: dict[str, int] = {}
    for number, insertion in enumerate(_insertions(data.get("insert") or []), start=1):
        anchor = insertion.before or insertion.after
        assert anchor is not None
        field = f"insert {number}: field {'before' if insertion.before else 'after'}"
        index = _index_of(stages, anchor, field)
        if insertion.after is not None:
            # Several inserts after one stage keep the order they are written in.
            index += 1 + inserted_after.get(anchor, 0)
            inserted_after[anchor] = inserted_after.get(anchor, 0) + len(insertion.stages)
        stages[index:index] = [dict(stage) for stage in insertion.stages]
    return stages


def resolve_extends(
    data: dict[str, Any], load_base: Callable[[str], list[dict[str, Any]]]
) -> dict[str, Any]:
    """A plain policy document from one that may use ``extends``. ``load_base(reference)``
    returns the base policy's resolved stages as plain dicts."""
    if "extends" not in data:
        used = [key for key in ("insert", "configure") if key in data]
        if used:
            raise ExtendError(f"{used[0]}: only with 'extends' (the policy to change)")
        return data
    if "stages" in data:
        raise ExtendError(
            "stages: a policy with 'extends' changes its base with 'insert' and 'configure'; "
            "to list every stage yourself, remove 'extends'"
        )
    reference = data["extends"]
    if not isinstance(reference, str) or not reference:
        raise ExtendError("extends: a policy file or builtin:NAME")
    stages = apply_changes(load_base(reference), data)
    plain = {key: value for key, value in data.items() if key not in ("insert", "configure")}
    return {**plain, "stages": stages}
