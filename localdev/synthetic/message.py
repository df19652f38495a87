"""One Kafka message of simulated collector traffic, and the event time it starts at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka message: key = user_id, value = one event or a JSON array (batch) of them.

    ``events`` holds dicts, or bytes for an injected malformed event that is not even JSON;
    ``malformed`` holds the indexes of injected bad events (tests and the demo use them).
    """

    key: str
    ts: int
    events: tuple[Event | bytes, ...]
    batch: bool
    malformed: frozenset[int] = frozenset()

    def lines(self) -> list[bytes]:
        return [e if isinstance(e, bytes) else orjson.dumps(e) for e in self.events]

    def value(self) -> bytes:
        lines = self.lines()
        return b"[" + b",".join(lines) + b"]" if self.batch else lines[0]


def event_ms(ts: int | str) -> int:
    if isinstance(ts, int):
        return ts
    return int(datetime.fromisoformat(ts).timestamp() * 1000)
