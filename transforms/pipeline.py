"""Run a compiled policy over events: every input ends as exactly one outcome.

The outcome is a value, not an exception (errors are data): ``Sanitized`` with the event to
publish (and, when a stage fanned out, the events to publish before it: ``Sanitized.events``),
``Dropped`` with the rule that dropped it, or ``Quarantined`` with a reason. Batch
mode and the streaming workers both call this module, so there is one data path to audit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from transforms.event import EVENT_TYPES, SANITIZED_SCHEMA, Event, Quarantined, validate_event
from transforms.registry import Transform
from transforms.typed_decode import (
    MAX_BATCH_EVENTS,
    MAX_MESSAGE_BYTES,
    Unchecked,
    decode,
    decode_message,
    decode_object,
    reference_items,
)

log = logging.getLogger(__name__)

# The message limits and the reference decoder live in transforms.typed_decode; importable here.
__all__ = [
    "MAX_BATCH_EVENTS", "MAX_MESSAGE_BYTES", "MESSAGE_LEVEL_REASONS", "Dropped", "Outcome",
    "Pipeline", "Sanitized", "Stage", "decode",
]  # fmt: skip
# Reasons that concern a whole message rather than one event of it.
MESSAGE_LEVEL_REASONS = frozenset(
    {"empty_message", "invalid_json", "invalid_utf8", "oversized_message", "empty_batch",
     "oversized_batch"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sanitized:
    event: Event
    # Sanitized events a fanning-out stage emitted before ``event`` from the same input (a
    # typing summary closed by this command). Publish them first, in order; see ``events``.
    preceding: tuple[Event, ...] = ()

    @property
    def events(self) -> tuple[Event, ...]:
        """Every sanitized event of this input, in order."""
        return (*self.preceding, self.event) if self.preceding else (self.event,)


@dataclass(frozen=True, slots=True)
class Dropped:
    """Dropped on purpose by a named policy rule (not an error, nothing is written)."""

    rule: str


Outcome = Sanitized | Dropped | Quarantined


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    transform: Transform
    types: frozenset[str] | None = None  # None: every event type
    apps: frozenset[str] | None = None  # None: every app
    # Types the transform always drops (``transforms.registry.register``'s promise).
    drops: frozenset[str] = frozenset()

    def applies_to(self, event: Event) -> bool:
        return (self.types is None or event["type"] in self.types) and (
            self.apps is None or event.get("app") in self.apps
        )


# One step of a walk: (position in the policy, the stage's transform, wrapped in its app
# selector's check if it has one). Built once per event type and start position.
_Step = tuple[int, Transform]


def _selective(stage: Stage) -> Transform:
    """The stage's transform behind its selector, checked on the event as the stage gets it."""
    applies_to, transform = stage.applies_to, stage.transform

    def selective(event: Event) -> Event | list[Event] | None:
        return transform(event) if applies_to(event) else event

    return selective


class Pipeline:
    """An ordered list of stages. Build it with ``transforms.policy.build_pipeline``."""

    def __init__(self, stages: Iterable[Stage]) -> None:
        self.stages = tuple(stages)
        # Type selectors are resolved once per event type (and start position, for the rest of
        # a fan-out): an event walks only the stages for its type. Drop outcomes are values,
        # made once per stage.
        self._dropped = tuple(Dropped(stage.name) for stage in self.stages)
        self._walks: dict[tuple[Any, int], tuple[_Step, ...]] = {}
        # Event types whose first stage always drops them: once valid, such an event is that
        # stage's drop, decided without building its dict (see typed_decode's ``settled``).
        self.settled: dict[str, Dropped] = {}
        for event_type in EVENT_TYPES:
            walk = self._walk_for(event_type, 0)
            first = self.stages[walk[0][0]] if walk else None
            if first is not None and first.apps is None and event_type in first.drops:
                self.settled[event_type] = self._dropped[walk[0][0]]

    def _walk_for(self, event_type: Any, start: int) -> tuple[_Step, ...]:
        if type(event_type) is not str:  # an event without a type meets no type selector
            event_type = None
        walk = self._walks.get((event_type, start))
        if walk is None:
            walk = tuple(
                (position, stage.transform if stage.apps is None else _selective(stage))
                for position, stage in enumerate(self.stages)
                if position >= start and (stage.types is None or event_type in stage.types)
            )
            if len(self._walks) < 4096:  # types a plugin invents are not a memory leak
                self._walks[event_type, start] = walk
        return walk

    def sanitize(self, raw: Any) -> Outcome:
        """Validate one decoded JSON value and run every stage that applies to it."""
        checked = validate_event(raw)
        if type(checked) is Quarantined:
            return checked
        return self.run(checked)  # type: ignore[arg-type]

    def run(self, checked: Event, start: int = 0) -> Outcome:
        """Run every stage from position ``start`` on that applies to an event that passed
        validation. Type selectors apply to the type the event has here; a stage with an app
        selector checks both on the event as it receives it."""
        event: Any = checked
        try:
            walk = self._walks[checked["type"], start]
        except (KeyError, TypeError):  # a type a stage invented, or none
            walk = self._walk_for(checked.get("type"), start)
        for position, transform in walk:
            try:
                event = transform(event)
            except Exception as error:  # fail closed: any bug in a stage quarantines
                name = self.stages[position].name
                log.warning("stage %s raised %s", name, type(error).__name__)
                return Quarantined("transform_error", stage=name)
            if type(event) is not dict:  # one test on the common path
                if event is None:
                    return self._dropped[position]
                if type(event) is list:
                    return self._fan_out(event, position + 1, self.stages[position].name)
        # The policy check guarantees the allowlist stage ran last; this is the belt to its
        # braces: nothing leaves without the sanitized schema marker it sets.
        if not isinstance(event, dict) or event.get("schema") != SANITIZED_SCHEMA:
            return Quarantined("policy_incomplete")
        return Sanitized(event)

    def _fan_out(self, events: list[Event], rest: int, rule: str) -> Outcome:
        """The slow path of a stage that returned several events: each goes through the rest
        of the policy (from position ``rest``). Any failure quarantines the input whole (fail
        closed); the survivors form one ``Sanitized``, in order; if none survives, the input
        counts as dropped."""
        kept: list[Event] = []
        for event in events:
            if not isinstance(event, dict):
                log.warning("stage %s emitted a %s, not an event", rule, type(event).__name__)
                return Quarantined("transform_error", stage=rule)
            result = self.run(event, rest)
            if type(result) is Quarantined:
                return result
            if type(result) is Dropped:
                rule = result.rule
                continue
            kept.extend(result.events)  # type: ignore[union-attr]
        if not kept:
            return Dropped(rule)
        return Sanitized(kept[-1], tuple(kept[:-1]))

    def sanitize_json(self, document: bytes | str) -> Outcome:
        """One JSON document holding one event (a JSONL line)."""
        if type(document) is bytes and document[:1] == b"{":
            item = decode_object(document, self.settled)
            if type(item) is dict:
                return self.run(item)
            if type(item) is Unchecked:
                return self.sanitize(item.raw)
            return item  # type: ignore[no-any-return]  # Quarantined, or settled: Dropped
        decoded = decode(document)
        if type(decoded) is Quarantined:
            return decoded
        return self.sanitize(decoded)

    def sanitize_message(self, value: bytes | None) -> list[Outcome]:
        """A Kafka message value: one event object or a JSON array (batch) of them.

        A bad event inside a batch is quarantined alone; its neighbours go on.
        """
        if value is None:
            return [Quarantined("empty_message")]
        items = decode_message(value, self.settled)
        if type(items) is Quarantined:
            return [items]
        return self.sanitize_items(items)  # type: ignore[arg-type]

    def sanitize_items(self, items: list[Event | Unchecked | Dropped]) -> list[Outcome]:
        """Items of ``transforms.typed_decode.decode_message``: events already validated run the
        stages; the others go through the reference validator first; a ``Dropped`` (a settled
        type) is the outcome already."""
        run, sanitize = self.run, self.sanitize
        return [
            run(item)
            if type(item) is dict
            else sanitize(item.raw)  # type: ignore[union-attr]
            if type(item) is Unchecked
            else item  # type: ignore[misc]
            for item in items
        ]

    def sanitize_decoded(self, decoded: Any) -> list[Outcome]:
        """``sanitize_message`` for a value already decoded by ``decode`` (the reference path)."""
        items = reference_items(decoded)
        if type(items) is Quarantined:
            return [items]
        return self.sanitize_items(items)  # type: ignore[arg-type]
