"""Run the converted dataset through a real built-in policy, one session per typist.

``raw`` is the pseudo-policy "no sanitization": the events as collected. Every other name is a
built-in policy (``builtin:NAME``) or a policy file, built with ``build_pipeline`` exactly as the
service builds it, so the evaluation measures the code that ships.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacy.evaluation.keystrokes import Participant, to_events
from privacy.evaluation.protocol import Typist
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Pipeline, Sanitized
from transforms.policy import BUILTIN_POLICIES, build_pipeline, load_policy

RAW = "raw"
POLICIES = (RAW, "loose", "default", "strict")
# Pseudonyms are not features, so a fixed, public evaluation key is fine here (and only here).
EVALUATION_KEY = b"timing-evaluation-key-not-a-secret"

Event = dict[str, Any]


@dataclass
class PolicyRun:
    policy: str
    typists: list[Typist]
    raw_sessions: list[list[Event]] = field(repr=False)
    out_sessions: list[list[Event]] = field(repr=False)
    outcomes: Counter[str] = field(default_factory=Counter)


def policy_source(name: str) -> str:
    """``default`` -> ``builtin:default``; paths are passed through."""
    return f"builtin:{name}" if name in BUILTIN_POLICIES else name


def make_pipeline(name: str) -> Pipeline:
    return build_pipeline(
        load_policy(policy_source(name)), Context(keyring=Keyring(EVALUATION_KEY))
    )


def sanitize_session(
    pipeline: Pipeline | None, events: Sequence[Event], outcomes: Counter[str]
) -> Iterator[tuple[int, Event]]:
    """(input index, output event) for every event the pipeline lets through."""
    for index, event in enumerate(events):
        if pipeline is None:
            outcomes["sanitized"] += 1
            yield index, event
            continue
        outcome = pipeline.sanitize(event)
        if type(outcome) is Sanitized:
            outcomes["sanitized"] += 1
            for kept in outcome.events:  # a summary closed by this event comes first
                yield index, kept
        else:
            outcomes[type(outcome).__name__.lower()] += 1


def run_policy(name: str, participants: Sequence[Participant]) -> PolicyRun:
    """Sanitize every typist's session with policy ``name`` (``raw``: leave it as collected)."""
    pipeline = None if name == RAW else make_pipeline(name)
    run = PolicyRun(name, [], [], [])
    for label, participant in enumerate(participants):
        events, sentence_of = to_events(participant)
        sentences: list[list[Event]] = [[] for _ in participant.sentences]
        kept = []
        for index, event in sanitize_session(pipeline, events, run.outcomes):
            kept.append(event)
            if sentence_of[index] >= 0:
                sentences[sentence_of[index]].append(event)
        run.typists.append(Typist(label, sentences))
        run.raw_sessions.append(events)
        run.out_sessions.append(kept)
    return run


def write_jsonl(events: Sequence[Event], path: Path) -> None:
    import orjson

    with path.open("wb") as handle:
        for event in events:
            handle.write(orjson.dumps(event) + b"\n")
