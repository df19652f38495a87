"""What an attacker can compute from a stretch of events: timing and key-class features.

The attacker knows the policy, so features are generic over whatever the output holds: event
tokens (type, key class, modifiers, summary buckets) and their bigrams, the order of presses and
releases (rollover), hold and flight times per key-class bigram, and time deltas between tokens
at whatever resolution ``ts`` has. Raw events are read the same way, with ``key`` mapped to its
key class, so raw and sanitized scores differ only by what the policy removed. Identifiers and
absolute time are never features: they would find the session, not the typist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from transforms.strip_typed_text import key_class

Event = dict[str, Any]
FeatureDict = dict[str, float]
_KEY_TYPES = ("key_down", "key_up")
_QUANTILES = (10, 25, 50, 75, 90)
_SUMMARY_FIELDS = ("field", "text_length", "corrections", "action")


def event_class(event: Event) -> str:
    """The key class the attacker sees: ``key_class`` if sanitized, else derived from ``key``."""
    if "key_class" in event:
        return str(event["key_class"])
    return key_class(str(event.get("key", "")))


def token(event: Event) -> str:
    kind = str(event.get("type"))
    if kind in _KEY_TYPES:
        modifiers = "+".join(sorted(event.get("modifiers") or ()))
        return f"{kind}:{event_class(event)}:{modifiers}"
    extra = ":".join(str(event[name]) for name in _SUMMARY_FIELDS if name in event)
    return f"{kind}:{extra}" if extra else kind


@dataclass
class Stats:
    """Sufficient statistics of one stretch of events; stretches combine by concatenation."""

    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    events: int = 0
    first: Event | None = None
    last: Event | None = None


def _key_timing(events: Sequence[Event], values: dict[str, list[float]]) -> None:
    """Hold, down-down and up-down times and rollover, per key-class bigram."""
    pending: dict[str, list[tuple[int, int]]] = defaultdict(list)  # class -> unreleased presses
    last: tuple[str, int] | None = None  # class and press ts of the previous press
    last_up: int | None = None
    last_released = True
    presses = 0
    for event in events:
        kind, ts, cls = event.get("type"), int(event["ts"]), event_class(event)
        if kind == "key_down":
            if last is not None:
                pair = f"{last[0]}>{cls}"
                values[f"dd:{pair}"].append(ts - last[1])
                values["dd_all"].append(ts - last[1])
                values[f"roll:{pair}"].append(0.0 if last_released else 1.0)
                if last_up is not None and last_released:
                    values[f"ud:{pair}"].append(ts - last_up)
            presses += 1
            pending[cls].append((ts, presses))
            last, last_released = (cls, ts), False
        elif kind == "key_up" and pending[cls]:
            pressed, number = pending[cls].pop(0)
            values[f"hold:{cls}"].append(ts - pressed)
            values["hold_all"].append(ts - pressed)
            last_up = ts
            last_released = last_released or number == presses


def _bigram(stats: Stats, a: Event, b: Event) -> None:
    name = f"{token(a)}>{token(b)}"
    stats.counts[f"p2:{name}"] += 1
    stats.values[f"dt:{name}"].append(int(b["ts"]) - int(a["ts"]))


def stretch_stats(events: Sequence[Event]) -> Stats:
    """Statistics of one stretch of events in stream order (one sentence, say)."""
    stats = Stats(events=len(events))
    if not events:
        return stats
    stats.first, stats.last = events[0], events[-1]
    for event in events:
        stats.counts[f"p:{token(event)}"] += 1
    for a, b in pairwise(events):
        _bigram(stats, a, b)
    _key_timing([e for e in events if e.get("type") in _KEY_TYPES], stats.values)
    return stats


def combine(parts: Sequence[Stats], adjacent: Sequence[bool] | None = None) -> Stats:
    """Stretches in stream order as one. Where ``adjacent[i]`` (default: always), part i
    directly follows part i-1 and the token bigram across the boundary is added; key timing
    across it is not (the stretches here are sentences, the boundary a pause)."""
    out = Stats()
    previous: Stats | None = None
    for index, part in enumerate(parts):
        if not part.events:
            continue
        out.events += part.events
        for name, values in part.values.items():
            out.values[name].extend(values)
        for name, count in part.counts.items():
            out.counts[name] += count
        joined = adjacent is None or adjacent[index]
        if joined and previous is not None and previous.last is not None and part.first:
            _bigram(out, previous.last, part.first)
        out.first = out.first or part.first
        out.last, previous = part.last, part
    return out


def features(stats: Stats) -> FeatureDict:
    """Named features (missing ones absent): token and bigram rates, mean times per group,
    quantiles of all press-to-press and hold times, and events per second."""
    out: FeatureDict = {}
    if not stats.events or stats.first is None or stats.last is None:
        return out
    pairs = max(stats.events - 1, 1)
    for name, count in stats.counts.items():
        out[name] = count / (stats.events if name.startswith("p:") else pairs)
    for name, values in stats.values.items():
        if name in ("dd_all", "hold_all"):
            for q, v in zip(_QUANTILES, np.percentile(values, _QUANTILES), strict=True):
                out[f"{name}:q{q}"] = float(v)
        out[name] = sum(values) / len(values)
    span = int(stats.last["ts"]) - int(stats.first["ts"])
    out["rate:events_per_s"] = stats.events * 1000.0 / max(span, 1)
    return out


def extract(events: Sequence[Event]) -> FeatureDict:
    """Features of one stretch of events in stream order."""
    return features(stretch_stats(events))


class Vectorizer:
    """Fixed feature columns chosen on training samples; absent features become NaN."""

    def __init__(
        self, samples: Iterable[FeatureDict], min_presence: float = 0.1, max_features: int = 400
    ) -> None:
        presence: dict[str, int] = defaultdict(int)
        total = 0
        for sample in samples:
            total += 1
            for name in sample:
                presence[name] += 1
        kept = [name for name, n in presence.items() if n >= min_presence * max(total, 1)]
        kept.sort(key=lambda name: (-presence[name], name))
        self.columns = sorted(kept[:max_features])

    def transform(self, samples: Sequence[FeatureDict]) -> np.ndarray:
        matrix = np.full((len(samples), len(self.columns)), np.nan)
        index = {name: col for col, name in enumerate(self.columns)}
        for row, sample in enumerate(samples):
            for name, value in sample.items():
                col = index.get(name)
                if col is not None:
                    matrix[row, col] = value
        return matrix
