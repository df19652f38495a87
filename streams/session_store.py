"""Durable per-session state of stateful stages, kept per raw partition and logged as changes.

Stateful stages (``summarize_typing``, ``renumber_seq``) ask ``context.session_state(stage,
max_sessions)`` for a mapping once, when the pipeline is built (``transforms.state``). In the
worker that mapping is a view: each access goes to the store of the raw partition whose batch is
being routed (``select``), because a session's state must move with its user's partition when a
rebalance hands the partition to another worker. Every write is also remembered as a change;
``drain`` returns the changes since the last call as changelog records (key, value, headers), which
the delivery loop writes to a compacted changelog topic partitioned like the raw topic, in the
same transaction as the outputs (exactly-once) or before the input offsets are committed
(at-least-once). ``restore`` rebuilds a partition's store from those records, so a replayed event
comes out as its first copy did.

Privacy: state keys hold raw user and session ids, so a changelog key is an HMAC of the stage and
the key under the worker's keyring (``Keyring.pseudonym``, its own kind: unlinkable to the output
pseudonyms). Values are the stages' plain numbers and buckets (timestamps at input precision, as
on the raw topic: the changelog topic needs the raw topic's protection).

Each record carries the raw offset after the batch that wrote it (header ``o``): a restore for a
committed offset ``C`` skips changes of batches at or after ``C``, which will be replayed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from functools import lru_cache
from typing import Any

import orjson

from transforms.keyring import Keyring

OFFSET_HEADER = "o"
HASHED_KEYS_CACHED = 65_536  # per stage: sessions whose hashed state key is remembered
Headers = list[tuple[str, bytes]]


def offset_headers(next_offset: int) -> Headers:
    """Headers of the changes of a batch whose last raw offset is ``next_offset - 1``."""
    return [(OFFSET_HEADER, str(next_offset).encode())]


class PartitionStore:
    """The state of every stateful stage for one raw partition, with its pending changes."""

    def __init__(self, limits: dict[str, int]) -> None:
        self._limits = limits
        self.stages: dict[str, OrderedDict[str, Any]] = {}
        self._changed: dict[tuple[str, str], bool] = {}  # (stage, hashed key) -> still present

    def stage(self, name: str) -> OrderedDict[str, Any]:
        data = self.stages.get(name)
        if data is None:
            data = self.stages[name] = OrderedDict()
        return data

    def put(self, stage: str, hashed: str, value: Any) -> None:
        data = self.stage(stage)
        if hashed in data:
            data.move_to_end(hashed)
        else:
            while len(data) >= self._limits.get(stage, 1):
                evicted, _ = data.popitem(last=False)  # least recently used: logged as gone
                self._changed[(stage, evicted)] = False
        data[hashed] = value
        self._changed[(stage, hashed)] = True

    def delete(self, stage: str, hashed: str) -> None:
        del self.stage(stage)[hashed]
        self._changed[(stage, hashed)] = False

    def drain(self) -> list[tuple[bytes, bytes | None]]:
        """The changes since the last drain as changelog records (key, value); a deleted or
        evicted key becomes a tombstone. Their headers: ``offset_headers``."""
        records: list[tuple[bytes, bytes | None]] = []
        for (stage, hashed), present in self._changed.items():
            key = f"{stage}:{hashed}".encode()
            value = orjson.dumps(self.stages[stage][hashed]) if present else None
            records.append((key, value))
        self._changed.clear()
        return records

    def apply(self, key: bytes, value: bytes | None) -> None:
        """Replay one changelog record (restore)."""
        stage, _, hashed = key.decode().partition(":")
        if value is None:
            self.stage(stage).pop(hashed, None)
        else:
            self.put(stage, hashed, orjson.loads(value))
        self._changed.pop((stage, hashed), None)  # restored, not a new change


class StageState(MutableMapping[str, Any]):
    """What a stage sees: its mapping in the store of the partition being routed. Keys are
    hashed on the way in, so iterating yields hashed keys (no stage iterates)."""

    def __init__(self, owner: PartitionedSessionState, stage: str) -> None:
        self._owner, self._stage = owner, stage
        # A stage looks up the same few sessions for every event: their hashed keys are kept
        # (raw ids in process memory, as in the event being routed), one HMAC per session.
        self._hash = owner.hasher(stage)

    def _data(self) -> tuple[PartitionStore, OrderedDict[str, Any]]:
        store = self._owner.current
        if store is None:
            raise RuntimeError("no raw partition selected for stage state")
        return store, store.stage(self._stage)

    def __getitem__(self, key: str) -> Any:
        _, data = self._data()
        hashed = self._hash(key)
        value = data[hashed]
        data.move_to_end(hashed)
        return value

    # ``get`` and ``in`` without the mixins' KeyError round trip: stateful stages ask for
    # every event, and most sessions have nothing open. As with the mixins, a hit is a use.
    def get(self, key: str, default: Any = None) -> Any:
        _, data = self._data()
        hashed = self._hash(key)
        if hashed in data:
            data.move_to_end(hashed)
            return data[hashed]
        return default

    def __contains__(self, key: object) -> bool:
        _, data = self._data()
        hashed = self._hash(key)
        if hashed in data:
            data.move_to_end(hashed)
            return True
        return False

    def __setitem__(self, key: str, value: Any) -> None:
        store, _ = self._data()
        store.put(self._stage, self._hash(key), value)

    def __delitem__(self, key: str) -> None:
        store, _ = self._data()
        store.delete(self._stage, self._hash(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data()[1])

    def __len__(self) -> int:
        return len(self._data()[1])


class PartitionedSessionState:
    """The worker's ``transforms.state.StateFactory``: one ``PartitionStore`` per raw partition."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self.limits: dict[str, int] = {}  # stage -> max sessions (per partition)
        self.partitions: dict[int, PartitionStore] = {}
        self.current: PartitionStore | None = None

    def __call__(self, stage: str, max_sessions: int) -> MutableMapping[str, Any]:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self.limits[stage] = max_sessions
        return StageState(self, stage)

    @property
    def stateful(self) -> bool:
        """Whether any stage keeps state (else there is nothing to log or restore)."""
        return bool(self.limits)

    def hash(self, stage: str, key: str) -> str:
        return self._keyring.pseudonym(f"session-state.{stage}", key)

    def hasher(self, stage: str) -> Callable[[Any], str]:
        """``hash`` for one stage, with its own bounded cache of hashed keys."""
        kind = f"session-state.{stage}"
        return lru_cache(maxsize=HASHED_KEYS_CACHED)(self._keyring.pseudonymizer(kind))

    def open(self, partition: int) -> PartitionStore:
        """A fresh, empty store for ``partition`` (fill it with ``restore``)."""
        store = self.partitions[partition] = PartitionStore(self.limits)
        return store

    def close(self, partition: int) -> None:
        store = self.partitions.pop(partition, None)
        if store is not None and self.current is store:
            self.current = None

    def select(self, partition: int) -> PartitionStore:
        """Route the next events' state to ``partition``'s store."""
        self.current = self.partitions[partition]
        return self.current


def restore(
    store: PartitionStore,
    records: Iterable[tuple[bytes | None, bytes | None, Iterable[tuple[str, bytes]]]],
    committed: int | None,
) -> int:
    """Replay changelog records (in log order) into ``store``, skipping the changes of batches
    at or after the committed raw offset ``committed`` (they will be processed again).
    Returns the number of records applied."""
    applied = 0
    for key, value, headers in records:
        if key is None:
            continue
        written_at = next((int(v) for k, v in headers if k == OFFSET_HEADER), None)
        if committed is not None and written_at is not None and written_at > committed:
            continue
        if committed is None and written_at is not None:
            continue  # nothing committed: every batch will be replayed from the start
        store.apply(key, value)
        applied += 1
    return applied
