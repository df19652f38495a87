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

import orjson

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
    """``default`` -> ``builtin:default``; ``builtin:NAME`` and paths are passed through."""
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
        # As the service gets it: bytes, decoded and validated in one typed pass (the same
        # outcome as validating the dict, several times faster).
        outcome = pipeline.sanitize_json(orjson.dumps(event))
        if type(outcome) is Sanitized:
            outcomes["sanitized"] += 1
            for kept in outcome.events:  # a summary closed by this event comes first
                yield index, kept
        else:
            outcomes[type(outcome).__name__.lower()] += 1


def label(name: str) -> str:
    """The name a policy is reported under: ``builtin:default`` -> ``default``."""
    return name.removeprefix("builtin:")


@dataclass
class SessionsRun:
    """Sessions of raw events through one policy; ``origins[s][i]`` is the index of the raw
    event whose processing released output ``i`` of session ``s`` (a harness-side correlation:
    the output itself carries no raw id)."""

    policy: str
    out_sessions: list[list[Event]] = field(repr=False)
    origins: list[list[int]] = field(repr=False)
    outcomes: Counter[str] = field(default_factory=Counter)


def run_sessions(name: str, sessions: Sequence[Sequence[Event]]) -> SessionsRun:
    """Sanitize each session with policy ``name`` (``raw``: leave it as collected)."""
    pipeline = None if label(name) == RAW else make_pipeline(name)
    run = SessionsRun(label(name), [], [])
    for events in sessions:
        pairs = list(sanitize_session(pipeline, events, run.outcomes))
        run.out_sessions.append([event for _, event in pairs])
        run.origins.append([index for index, _ in pairs])
    return run


def run_policy(name: str, participants: Sequence[Participant], submit: bool = False) -> PolicyRun:
    """Sanitize every typist's session with policy ``name`` (``raw``: leave it as collected)."""
    pipeline = None if label(name) == RAW else make_pipeline(name)
    run = PolicyRun(label(name), [], [], [])
    for number, participant in enumerate(participants):
        events, sentence_of = to_events(participant, submit=submit)
        sentences: list[list[Event]] = [[] for _ in participant.sentences]
        kept = []
        for index, event in sanitize_session(pipeline, events, run.outcomes):
            kept.append(event)
            if sentence_of[index] >= 0:
                sentences[sentence_of[index]].append(event)
        run.typists.append(Typist(number, sentences))
        run.raw_sessions.append(events)
        run.out_sessions.append(kept)
    return run


def write_jsonl(events: Sequence[Event], path: Path) -> None:
    with path.open("wb") as handle:
        for event in events:
            handle.write(orjson.dumps(event) + b"\n")
