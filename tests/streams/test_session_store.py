"""Durable stage state: a replayed event comes out byte-identical to its first copy.

The changelog here is an in-memory list of (key, value, headers) records, written per batch as
the delivery loop writes it to Kafka; a "crash" is a new worker (new store, new pipeline) that
restores the partition's state as of the committed offset and processes the input again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from streams.routing import Router
from streams.session_store import PartitionedSessionState, offset_headers, restore
from tests.transforms.raw_events import make_event
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.policy import build_pipeline, load_policy

KEY = b"session-store-test-key-0123456789"
RAW, SANITIZED, QUARANTINE = "raw", "sanitized", "quarantine"
Entry = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class Worker:
    """The delivery loop's use of the store, without Kafka: select, route, drain per batch."""

    def __init__(self, changelog: list[Entry], partition: int, committed: int | None) -> None:
        keyring = Keyring(KEY)
        self.state = PartitionedSessionState(keyring)
        pipeline = build_pipeline(load_policy(None), Context(keyring=keyring, state=self.state))
        self.router = Router(pipeline, {}, sanitized_topic=SANITIZED, quarantine_topic=QUARANTINE)
        self.changelog, self.partition = changelog, partition
        restore(self.state.open(partition), changelog, committed)

    def process(self, batch: list[Message]) -> list[bytes]:
        self.state.select(self.partition)
        routed = self.router.route(batch, 4, 4)
        changes = self.state.select(self.partition).drain()
        headers = offset_headers(batch[-1].offset + 1)
        self.changelog.extend((key, value, headers) for key, value in changes)
        return [value for records in routed.records.values() for _, value in records]


def typing_traffic(n: int, seed: int = 3) -> list[Message]:
    """Two users typing and clicking in one partition: summaries and seq depend on state."""
    rng, seq, messages = random.Random(seed), {"ann": 0, "bob": 0}, []
    for offset in range(n):
        user = rng.choice(["ann", "bob"])
        seq[user] += 1
        kind = rng.choice(["key_down", "key_down", "key_down", "key_up", "click"])
        fields: dict[str, Any] = {}
        if kind.startswith("key"):
            fields = {"key": rng.choice(["a", "b", "Backspace", " "]), "code": "KeyA"}
        event = make_event(
            kind,
            user_id=f"{user}@corp.example",
            session_id=f"session-{user}",
            event_id=f"{user}-{offset}",
            seq=seq[user] * 3,
            ts=1_778_758_000_000 + offset * 180,
            **fields,
        )
        messages.append(Message(RAW, 0, offset, user.encode(), orjson.dumps(event)))
    return messages


def flat(outputs: list[list[bytes]]) -> list[bytes]:
    return [value for batch in outputs for value in batch]


def batches(messages: list[Message], size: int) -> list[list[Message]]:
    return [messages[i : i + size] for i in range(0, len(messages), size)]


def test_replay_after_a_crash_is_byte_identical() -> None:
    traffic, changelog = typing_traffic(300), []
    first = Worker(changelog, 0, committed=None)
    outputs = [first.process(batch) for batch in batches(traffic, 25)]
    committed = 150  # offsets below 150 committed; the crash came after 300 were processed
    replayed = Worker(changelog, 0, committed=committed)
    again = [replayed.process(batch) for batch in batches(traffic[committed:], 25)]
    assert flat(again) == flat(outputs[committed // 25 :])
    assert any(b'"field":"typing"' in value for value in flat(again))  # state mattered


def test_without_the_restore_a_replay_differs() -> None:
    """The check above can fail: a worker that starts empty renumbers and resummarizes."""
    traffic = typing_traffic(300)
    first = Worker([], 0, committed=None)
    outputs = [first.process(batch) for batch in batches(traffic, 25)]
    fresh = Worker([], 0, committed=None)
    again = [fresh.process(batch) for batch in batches(traffic[150:], 25)]
    assert flat(again) != flat(outputs[6:])


def test_replay_after_a_rebalance_on_another_worker_is_byte_identical() -> None:
    """The partition moves: the new owner restores from the changelog, as of the offset the
    old owner committed on revocation, and carries on exactly as the old owner would have."""
    traffic, changelog = typing_traffic(300, seed=8), []
    reference = Worker([], 0, committed=None).process(traffic)
    old = Worker(changelog, 0, committed=None)
    before = [old.process(batch) for batch in batches(traffic[:120], 40)]
    new = Worker(changelog, 0, committed=120)
    after = [new.process(batch) for batch in batches(traffic[120:], 40)]
    # Records come grouped by destination partition per batch: compare them as a whole.
    assert sorted(flat(before) + flat(after)) == sorted(reference)
    assert len(reference) == len(set(reference))


def test_changelog_keys_hold_no_raw_identifier() -> None:
    traffic, changelog = typing_traffic(100), []
    Worker(changelog, 0, committed=None).process(traffic)
    assert changelog
    for key, value, _ in changelog:
        assert key is not None
        for secret in (b"ann", b"bob", b"session-", b"corp.example"):
            assert secret not in key
            assert value is None or secret not in value


def test_evicted_and_ended_sessions_become_tombstones() -> None:
    state = PartitionedSessionState(Keyring(KEY))
    view = state("renumber_seq", max_sessions=2)
    state.open(0)
    state.select(0)
    view["a"], view["b"], view["c"] = 1, 2, 3  # "a" evicted
    del view["b"]
    records = dict(state.select(0).drain())
    assert sorted(value for value in records.values() if value is not None) == [b"3"]
    assert sum(value is None for value in records.values()) == 2
    assert "a" not in view and view["c"] == 3


def test_state_follows_the_selected_partition() -> None:
    state = PartitionedSessionState(Keyring(KEY))
    view = state("renumber_seq", max_sessions=10)
    state.open(0), state.open(1)
    state.select(0)
    view["s"] = 1
    state.select(1)
    assert "s" not in view
    state.close(1)
    with pytest.raises(RuntimeError):
        view["s"] = 2


def test_get_and_in_read_without_logging_a_change_and_a_hit_counts_as_a_use() -> None:
    keyring = Keyring(KEY)
    state = PartitionedSessionState(keyring)
    view = state("summarize_typing", max_sessions=2)
    store = state.open(0)
    state.select(0)
    assert view.get("missing") is None and view.get("missing", 7) == 7
    assert "missing" not in view
    assert store.drain() == []  # reading logs nothing
    view["a"], view["b"] = 1, 2
    store.drain()
    assert view.get("a") == 1 and "b" in view and view["b"] == 2
    assert "a" in view  # "a" is now the most recently used: "b" goes first
    view["c"] = 3
    assert "b" not in view and view.get("a") == 1
    assert store.drain() == [
        (b"summarize_typing:" + state.hash("summarize_typing", "b").encode(), None),
        (b"summarize_typing:" + state.hash("summarize_typing", "c").encode(), b"3"),
    ]
    # The cached hashing is the keyring's, so changelogs of earlier workers still restore.
    assert state.hasher("summarize_typing")("b") == keyring.pseudonym(
        "session-state.summarize_typing", "b"
    )
