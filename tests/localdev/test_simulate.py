"""The simulator as a specification: valid, reproducible, batched like collectors, human-like."""

from __future__ import annotations

import itertools
import random
import statistics
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from cli.simulate import simulate
from localdev.simulate import limit_events
from localdev.synthetic import malformed
from localdev.synthetic.message import Message, event_ms
from localdev.synthetic.pii import card_number, iban, luhn_valid
from localdev.synthetic.sessions import generate
from transforms.directory import Directory
from transforms.event import Quarantined, validate_event
from transforms.pipeline import decode

SINGLE_TYPES = {"key_down", "key_up", "text_input", "clipboard", "window_focus",
                "mouse_down", "mouse_up", "click"}  # fmt: skip


def messages(
    seed: int = 7, users: int = 4, seconds: float = 120, rate: float = 0.0
) -> list[Message]:
    _, stream = generate(seed, users, duration_s=seconds)
    return list(malformed.inject(stream, rate, seed))


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = [(m.key, m.value()) for m in messages(seed=1, seconds=30)]
    again = [(m.key, m.value()) for m in messages(seed=1, seconds=30)]
    other = [(m.key, m.value()) for m in messages(seed=2, seconds=30)]
    assert first == again
    assert first != other


def test_messages_are_batched_like_collectors_batch_them() -> None:
    sizes = []
    for message in messages():
        events = [e for e in message.events if isinstance(e, dict)]
        assert len(events) == len(message.events)  # no malformed ones injected here
        assert all(e["user_id"] == message.key for e in events)
        if message.batch:
            kinds = {e["type"] for e in events}
            assert kinds in ({"mouse_move"}, {"scroll"})
            if kinds == {"mouse_move"}:
                sizes.append(len(events))
        else:
            assert len(events) == 1 and events[0]["type"] in SINGLE_TYPES
    assert sizes and min(sizes) >= 20 and max(sizes) <= 200


def test_every_event_is_valid_except_the_injected_bugs() -> None:
    broken = valid = 0
    for message in messages(rate=0.02):
        for index, (event, line) in enumerate(zip(message.events, message.lines(), strict=True)):
            outcome = decode(line)
            if type(outcome) is not Quarantined:
                outcome = validate_event(outcome)
            if index in message.malformed:
                broken += 1
                assert type(outcome) is Quarantined, event
            else:
                valid += 1
                assert type(outcome) is not Quarantined, (outcome, event)
    assert broken > 20 and valid > 1000


def test_a_batch_value_is_a_json_array_of_its_events() -> None:
    batch = next(m for m in messages(rate=0.05) if m.batch)
    assert orjson.loads(batch.value()) == list(batch.events)


def test_time_moves_forward_per_user_and_keys_come_in_pairs() -> None:
    last: dict[str, int] = {}
    held: dict[str, set[str]] = defaultdict(set)
    for message in messages(seconds=60):
        for event in message.events:
            assert isinstance(event, dict)
            ts = event_ms(event["ts"])
            assert ts >= last.get(message.key, 0)
            last[message.key] = ts
            if event["type"] == "key_down":
                assert event["code"] not in held[message.key], "pressed twice without release"
                held[message.key].add(event["code"])
            elif event["type"] == "key_up":
                held[message.key].discard(event["code"])


def _rhythm(events: list[dict[str, object]]) -> tuple[float, float]:
    """Mean hold time and mean key-down to key-down latency within a sentence."""
    down: dict[object, int] = {}
    holds, latencies, previous = [], [], None
    for event in events:
        ts = event_ms(event["ts"])  # type: ignore[arg-type]
        if event["type"] == "key_down":
            down[event["code"]] = ts
            if previous is not None and ts - previous < 1500:
                latencies.append(ts - previous)
            previous = ts
        elif event["type"] == "key_up" and event["code"] in down:
            holds.append(ts - down.pop(event["code"]))
    return statistics.fmean(holds), statistics.fmean(latencies)


def test_each_user_types_with_a_rhythm_of_their_own() -> None:
    by_user: dict[str, list[dict[str, object]]] = defaultdict(list)
    for message in messages(users=5, seconds=600):
        by_user[message.key] += [e for e in message.events if isinstance(e, dict)]
    first_half, second_half = {}, {}
    for user, events in by_user.items():
        middle = len(events) // 2
        first_half[user], second_half[user] = _rhythm(events[:middle]), _rhythm(events[middle:])
    # A user's rhythm in one half identifies them in the other (it is a biometric).
    for user, (hold, latency) in second_half.items():
        nearest = min(
            first_half,
            key=lambda u: (first_half[u][0] - hold) ** 2 + (first_half[u][1] - latency) ** 2,
        )
        assert nearest == user
    holds = [hold for hold, _ in first_half.values()]
    assert max(holds) - min(holds) > 15  # milliseconds


def test_synthetic_cards_and_ibans_pass_their_checksums() -> None:
    rng = random.Random(3)
    for _ in range(200):
        assert luhn_valid(card_number(rng))
        code = iban(rng).replace(" ", "")
        numeric = "".join(str(int(c, 36)) for c in code[4:] + code[:4])
        assert int(numeric) % 97 == 1


def test_limit_events_cuts_exactly() -> None:
    _, stream = generate(1, 3, duration_s=60)
    limited = list(limit_events(stream, 1234))
    assert sum(len(m.events) for m in limited) == 1234


def test_cli_writes_one_event_a_line_and_a_loadable_directory(tmp_path: Path) -> None:
    out, directory = tmp_path / "raw.jsonl", tmp_path / "directory.csv"
    app = typer.Typer()
    app.command()(simulate)
    args = ["-o", str(out), "--users", "3", "--count", "2000", "--directory-out", str(directory)]
    result = CliRunner().invoke(app, [*args, "--malformed-rate", "0.01", "--seed", "5"])
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == 2000
    events = [e for e in (decode(line) for line in lines) if isinstance(e, dict)]
    found = Directory.from_csv(directory)
    assert found.size > 3
    for user_id in {e["user_id"] for e in events if "user_id" in e}:
        assert found.find(user_id), user_id


@pytest.mark.parametrize("kind", malformed.KINDS)
def test_each_kind_of_collector_bug_is_rejected(kind: str) -> None:
    rng = random.Random(kind)
    for message in itertools.islice(messages(seconds=20), 200):
        event = message.events[0]
        assert isinstance(event, dict)
        bad = malformed.break_event(event, kind, rng)
        outcome = decode(bad) if isinstance(bad, bytes) else validate_event(bad)
        assert type(outcome) is Quarantined
