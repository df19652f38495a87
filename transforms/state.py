"""Where stateful stages keep their per-session state: a mapping the context hands out.

A stage asks ``context.session_state(stage_name, max_sessions)`` once, when it is built, and keeps
everything it remembers about a session under one string key in that mapping, as a plain
JSON-serializable value (numbers, strings, lists, dicts). It writes the value back after every
change (``state[key] = value``), never mutates a value it read in place, and deletes the key
when the session's state ends. That contract lets the streaming service swap the default
in-memory store for a durable one that moves with its Kafka partition, so a replayed event
comes out as its first copy did; a stage need not know which store it has.

The default, ``LruSessionState``, keeps at most ``max_sessions`` keys in memory and evicts the
least recently used; an evicted session starts afresh, which each stage documents.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

# (stage name, max sessions) -> the stage's mapping
StateFactory = Callable[[str, int], MutableMapping[str, Any]]


class LruSessionState(MutableMapping[str, Any]):
    """An in-memory mapping bounded to ``max_sessions`` keys, least recently used evicted first.
    Reading a key counts as a use."""

    def __init__(self, max_sessions: int) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self.max_sessions = max_sessions
        self._data: OrderedDict[str, Any] = OrderedDict()

    def __getitem__(self, key: str) -> Any:
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    # ``get`` and ``in`` without the mixins' KeyError round trip (stateful stages call them for
    # every event); like the mixins, a hit counts as a use.
    def get(self, key: str, default: Any = None) -> Any:
        data = self._data
        if key in data:
            data.move_to_end(key)
            return data[key]
        return default

    def __contains__(self, key: object) -> bool:
        data = self._data
        if key in data:
            data.move_to_end(key)  # type: ignore[arg-type]
            return True
        return False

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self._data:
            self._data.move_to_end(key)
        else:
            while len(self._data) >= self.max_sessions:
                self._data.popitem(last=False)
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def in_memory_state(stage: str, max_sessions: int) -> MutableMapping[str, Any]:
    """The default store: each stage gets its own bounded in-memory mapping."""
    return LruSessionState(max_sessions)


def session_key(event: dict[str, Any]) -> str:
    """The key of an event's session in a stage's state (the ids as they are at that stage)."""
    return f"{event['user_id']}\x1f{event['session_id']}"
