"""Collector bugs, injected on purpose so quarantine has something to show.

Each kind mirrors a bug the input contract warns about (truncated JSON, wrong types, missing
fields, unknown types, newer schema versions), and every injected event is one that
``transforms.event.validate_event`` must reject, so the count quarantined is predictable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson

from localdev.synthetic.message import Message, event_ms

KINDS = ("truncated_json", "wrong_type", "missing_field", "unknown_type", "newer_schema")
_TYPE_REQUIRED = {"key_down": "key", "key_up": "key", "text_input": "text", "clipboard": "action",
                  "mouse_move": "x", "scroll": "dy", "mouse_down": "x", "mouse_up": "x",
                  "click": "x"}  # fmt: skip


def break_event(event: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any] | bytes:
    """A copy of ``event`` with one bug of ``kind`` (bytes for a truncated document)."""
    bad = dict(event)
    if kind == "truncated_json":
        document = orjson.dumps(event)
        return document[: rng.randint(8, len(document) - 2)]  # a write cut short
    if kind == "wrong_type":
        choice = rng.randrange(3)
        if choice == 0:
            bad["ts"] = event_ms(event["ts"]) / 1000  # seconds as a float: an SDK's default
        elif choice == 1:
            bad["seq"] = str(event.get("seq", 0))
        else:
            bad["screen"] = "x".join(str(v) for v in event.get("screen", (1920, 1080)))
        return bad
    if kind == "missing_field":
        names = ["event_id", "session_id", "ts", "user_id"]
        if event["type"] in _TYPE_REQUIRED:
            names.append(_TYPE_REQUIRED[event["type"]])
        del bad[rng.choice(names)]
        return bad
    if kind == "unknown_type":
        bad["type"] = rng.choice(("touch_start", "gesture_pinch", "key_press", "pen_move"))
        return bad
    bad["schema"], bad["pressure"] = "interaction/v2", round(rng.random(), 2)
    return bad


def inject(messages: Iterator[Message], rate: float, seed: int) -> Iterator[Message]:
    """Break each event with probability ``rate``, using its own random stream so the good
    events are the same whatever the rate. A batch is never truncated as a whole: the contract
    promises a bad event must not take its neighbours down, and this lets quarantine show it."""
    rng = random.Random(f"malformed:{seed}")
    for message in messages:
        if rate <= 0.0:
            yield message
            continue
        events, broken = list(message.events), set(message.malformed)
        for index, event in enumerate(events):
            if isinstance(event, dict) and rng.random() < rate:
                kinds = KINDS[1:] if message.batch else KINDS
                events[index] = break_event(event, rng.choice(kinds), rng)
                broken.add(index)
        yield replace(message, events=tuple(events), malformed=frozenset(broken))
