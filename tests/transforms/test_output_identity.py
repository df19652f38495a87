"""Output identity: the simulator's traffic gives the same bytes it gave before the core got
faster (issue 10).

The output digests below were computed with the code of commit 3e65d6f (before any speed-up of
the stages or the pipeline loop): every sanitized event's bytes (the preceding ones of a fan-out
included) and every quarantine record, per message, for each built-in policy. A speed-up must
not move a single byte. The drop rules, which no topic carries but the metrics count, have
digests of their own: the default policy now runs its two whole-type drops first (releases and
pointer moves are then dropped unread), so a release or a move in a password manager is
credited to ``merge_key_events`` or ``drop_pointer_moves`` rather than ``drop_sensitive_apps``
(511 of 8,000 events here; checked event by event against commit 7869b26, with no other
difference, before these digests were recomputed). Since ``absorb_typing_runs`` joined the
default and strict policies, the presses after a typing run's first are credited to it rather
than to ``summarize_typing`` (1,234 of 8,000 here under each; checked event by event against
the policy without it, with no other difference). The input is pinned as well: if the simulator
(``localdev.synthetic``) changes what it generates, the input digest says so, and the digests
must then be recomputed with the code of a commit whose output is trusted, never with the
change under test.
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
# (sanitized bytes and quarantine records, drop rules) per (policy, one event per line).
DEFAULT_OUT = "90a19b2233cced68e78298d1f139c3973f66296e644b0288e8efc88842cca1e7"
DEFAULT_DROPS = "c64680830b148f0720a362ead3610a72f063a63d5ef47f7ba0f012671c20ed9f"
OUTPUT_DIGESTS = {
    ("default", False): (DEFAULT_OUT, DEFAULT_DROPS),
    ("default", True): (DEFAULT_OUT, DEFAULT_DROPS),
    ("per-event", False): (
        "fb97122c5483046e323abb9a9b5556d302fa6ee914767d2e2376a91ae94e8482",
        "d4577bdc200e9cde4ea310cf441fb55e6de55548f09ec1e47adc7ddb6cf842ea",
    ),
    ("strict", False): (
        "8977b8efe6cbff90538a1debee0241e031856cbcfb3db56856c444ef2ea7f6a4",
        "54fbfc2da8b7223a484087c495f4adf2870d71abe3b0df604076f99052fbef22",
    ),
    ("loose", False): (
        "8db64567f56eb7bcce8f7d4487937d328eb15f22bf40ddf10124cb2bb901fd08",
        "4aadd6ff7202f8b489add47b669127d15e44d1d45c2da1ca6ed70d578c56f0e2",
    ),
}


def traffic(directory: Path) -> list[Message]:
    people, stream = generate(SEED, users=12)
    write_directory_csv(people, directory)
    return list(limit_events(inject(stream, MALFORMED, SEED), EVENTS))


def written(outcomes: list[Outcome]) -> tuple[list[bytes], list[bytes]]:
    """What a worker writes for each outcome of one message, and the rules of its drops."""
    lines, drops = [], []
    for outcome in outcomes:
        if type(outcome) is Sanitized:
            lines += [b"S" + orjson.dumps(event) for event in outcome.events]
        elif type(outcome) is Dropped:
            drops.append(outcome.rule.encode())
        else:
            lines.append(b"Q" + orjson.dumps(outcome.as_record()))  # type: ignore[union-attr]
    return lines, drops


def output_digests(
    messages: list[Message], directory: Path, policy: str, single: bool
) -> tuple[str, str]:
    context = Context(keyring=Keyring(KEY), directory=Directory.from_csv(directory))
    pipeline = build_pipeline(load_policy(f"builtin:{policy}"), context)
    output, dropped = hashlib.sha256(), hashlib.sha256()
    for message in messages:
        if single:  # one JSONL line per event, through the batch-mode entry point
            outcomes = [pipeline.sanitize_json(line) for line in message.lines()]
        else:
            outcomes = pipeline.sanitize_message(message.value())
        lines, drops = written(outcomes)
        output.update(b"\n".join(lines) + b"\n\x1d")
        dropped.update(b"\n".join(drops) + b"\n\x1d")
    return output.hexdigest(), dropped.hexdigest()


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
    output, drops = output_digests(messages, directory, policy, single)
    assert output == OUTPUT_DIGESTS[policy, single][0], "sanitized or quarantine bytes moved"
    assert drops == OUTPUT_DIGESTS[policy, single][1], "drop rules moved"
