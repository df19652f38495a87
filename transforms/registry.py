"""The transform registry: names in the policy file resolve to transform factories here.

A transform is registered once, by name, with a typed config model. Third-party packages add
transforms through the ``sanitizer.transforms`` entry-point group; loading an entry point imports
the module, whose ``@register`` calls fill the same registry. The registry never falls back to a
default when a name is unknown: an unknown transform is a policy error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from transforms.context import Context

Event = dict[str, Any]
# A transform takes one event and returns a new event, or None to drop it (the stage name is
# then the drop rule), or a list of events (a fan-out: each goes on through the later stages,
# in order; a stage that closes a summary when the next action arrives returns both). It must
# not mutate its input, and it may raise: the pipeline turns any exception into a quarantine
# record.
Transform = Callable[[Event], Event | list[Event] | None]

ENTRY_POINT_GROUP = "sanitizer.transforms"


class TransformConfig(BaseModel):
    """Base of every transform's config: unknown keys in the policy file are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ConfigT = TypeVar("ConfigT", bound=TransformConfig)
Factory = Callable[[ConfigT, Context], Transform]


@dataclass(frozen=True)
class TransformSpec(Generic[ConfigT]):
    name: str
    config_model: type[ConfigT]
    factory: Factory[ConfigT]
    doc: str
    # Event types the transform drops whatever its config and the event's content (see
    # ``register``).
    drops: frozenset[str] = field(default_factory=frozenset)

    def build(self, raw_config: dict[str, Any], context: Context) -> Transform:
        """Validate ``raw_config`` (raises pydantic.ValidationError) and build the transform."""
        return self.factory(self.config_model.model_validate(raw_config), context)


_REGISTRY: dict[str, TransformSpec[Any]] = {}
_entry_points_loaded = False


def register(
    name: str, config: type[ConfigT], *, drops: Iterable[str] = ()
) -> Callable[[Factory[ConfigT]], Factory[ConfigT]]:
    """Register a transform factory under ``name``. Use as a decorator on the factory, which
    stays a plain function: ``factory(Config(...), Context(...))`` builds the transform.

    ``drops`` names the event types the transform always drops (returns None for), whatever
    its config and the event's content. It is a promise the pipeline acts on: when such a
    stage is the first one an event of those types meets, the pipeline validates the event and
    drops it by that stage's rule without building its dict or calling the transform.
    """

    def decorate(factory: Factory[ConfigT]) -> Factory[ConfigT]:
        existing = _REGISTRY.get(name)
        # The same function imported again (a module reloaded) is harmless; any other factory,
        # even one with the same name in another module, must not replace a registered stage.
        if existing is not None and _origin(existing.factory) != _origin(factory):
            raise ValueError(f"transform {name!r} is already registered")
        doc = (factory.__doc__ or "").strip()
        _REGISTRY[name] = TransformSpec(name, config, factory, doc, frozenset(drops))
        return factory

    return decorate


def _origin(factory: Callable[..., Any]) -> tuple[str, str]:
    return factory.__module__, factory.__qualname__


def _load_builtins() -> None:
    # Imported for their @register side effect; listed explicitly rather than discovered.
    from transforms import (  # noqa: F401
        absorb_typing_runs,
        allowlist_fields,
        anchor_keyboard_time,
        coarsen_timestamp,
        drop_pointer_moves,
        drop_sensitive_apps,
        generalize_device,
        merge_key_events,
        pseudonymize_ids,
        renumber_seq,
        scrub_text,
        snap_pointer,
        strip_typed_text,
        summarize_scrolls,
        summarize_typing,
    )


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    # Loading an entry point imports its module, whose @register calls fill the registry.
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entry_point.load()


def lookup(name: str) -> TransformSpec[Any]:
    """Return the spec registered as ``name``; raises KeyError naming the known transforms."""
    _load_builtins()
    if name not in _REGISTRY:
        _load_entry_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown transform {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None


def registered_names() -> list[str]:
    _load_builtins()
    _load_entry_points()
    return sorted(_REGISTRY)
