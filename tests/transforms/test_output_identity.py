"""Output identity: the simulator's traffic gives the same bytes it gave before the core got
faster (issue 10).

The digests below were computed with the code of commit 3e65d6f (before any speed-up of the
stages or the pipeline loop): every sanitized event's bytes (the preceding ones of a fan-out
included), every quarantine record and every drop rule, per message, for each built-in policy.
A speed-up must not move a single byte. The input is pinned as well: if the simulator
(``localdev.synthetic``) changes what it generates, the input digest says so, and the output
digests must then be recomputed with the code of a commit whose output is trusted, never with
the change under test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from localdev.simulate import limit_events
from localdev.synthetic.malformed import inject
from localdev.synthetic.message import Message
from localdev.synthetic.pii import write_directory_csv
from localdev.synthetic.sessions import generate
from transforms.context import Context
from transforms.directory import Directory
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Outcome, Sanitized
from transforms.policy import build_pipeline, load_policy

SEED, EVENTS, MALFORMED = 23, 8000, 0.03
KEY = b"output-identity-key-0123456789abcdef"

INPUT_DIGEST = "8c4ab8ef37e6c035aa6882c3913231e433df2ee651bf11aa096fc40ce69db981"
OUTPUT_DIGESTS = {
    ("default", False): "e12106e66d980a3f1c4b4dcfa8b2209196ca1d258862f54dbe31ebec049252e3",
    ("default", True): "999f697b0bbcb6b26e008605a2d2df263ae8bce12a5b2e62eddc446a1bc7321f",
    ("per-event", False): "2137d9c844a39ab30a7e5d6a5364092f7bdc613aff22634f467d731c8693072b",
    ("strict", False): "660dd36e7ccd98c7cc28ee7e4b6a349ee824a1d05a7861516f1f2eea7f967f86",
    ("loose", False): "e8d147f066eabe7d857c243b0a7ca913eda2acd0e4fefa7e9fc827674696e876",
}


def traffic(directory: Path) -> list[Message]:
    people, stream = generate(SEED, users=12)
    write_directory_csv(people, directory)
    return list(limit_events(inject(stream, MALFORMED, SEED), EVENTS))


def written(outcomes: list[Outcome]) -> list[bytes]:
    """What a worker writes for each outcome of one message."""
    lines = []
    for outcome in outcomes:
        if type(outcome) is Sanitized:
            lines += [b"S" + orjson.dumps(event) for event in outcome.events]
        elif type(outcome) is Dropped:
            lines.append(b"D" + outcome.rule.encode())
        else:
            lines.append(b"Q" + orjson.dumps(outcome.as_record()))  # type: ignore[union-attr]
    return lines


def output_digest(messages: list[Message], directory: Path, policy: str, single: bool) -> str:
    context = Context(keyring=Keyring(KEY), directory=Directory.from_csv(directory))
    pipeline = build_pipeline(load_policy(f"builtin:{policy}"), context)
    digest = hashlib.sha256()
    for message in messages:
        if single:  # one JSONL line per event, through the batch-mode entry point
            for line in message.lines():
                digest.update(b"\n".join(written([pipeline.sanitize_json(line)])) + b"\n\x1e")
        else:
            digest.update(b"\n".join(written(pipeline.sanitize_message(message.value()))))
        digest.update(b"\n\x1d")
    return digest.hexdigest()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Message], Path]:
    directory = tmp_path_factory.mktemp("identity") / "directory.csv"
    messages = traffic(directory)
    value_digest = hashlib.sha256(b"\x1d".join(m.value() for m in messages)).hexdigest()
    assert value_digest == INPUT_DIGEST, (
        "the simulator's traffic changed: recompute OUTPUT_DIGESTS with trusted code"
    )
    return messages, directory


@pytest.mark.parametrize(("policy", "single"), sorted(OUTPUT_DIGESTS))
def test_simulator_traffic_gives_the_bytes_it_gave_before(
    simulated: tuple[list[Message], Path], policy: str, single: bool
) -> None:
    messages, directory = simulated
    assert output_digest(messages, directory, policy, single) == OUTPUT_DIGESTS[policy, single]


def test_the_traffic_exercises_every_outcome(simulated: tuple[list[Message], Path]) -> None:
    """The digests mean something only if the traffic reaches every kind of outcome."""
    messages, directory = simulated
    context = Context(keyring=Keyring(KEY), directory=Directory.from_csv(directory))
    pipeline = build_pipeline(load_policy(), context)
    kinds: set[str] = set()
    for message in messages:
        for outcome in pipeline.sanitize_message(message.value()):
            if type(outcome) is Sanitized:
                kinds.add("fan_out" if outcome.preceding else "sanitized")
            elif type(outcome) is Dropped:
                kinds.add(f"dropped:{outcome.rule}")
            else:
                kinds.add("quarantined")
    assert {
        "sanitized", "fan_out", "quarantined", "dropped:merge_key_events",
        "dropped:drop_pointer_moves", "dropped:summarize_typing", "dropped:summarize_scrolls",
    } <= kinds  # fmt: skip
