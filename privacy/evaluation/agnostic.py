"""A policy-agnostic attacker's features: every output field of a stretch, read generically.

The learned attackers in ``features.py`` were written knowing the policy (key classes, typing
summaries, hold and flight times). This one knows nothing of the policy or of the event types:
it walks every field of every event and keeps

* counts: of events of each type and of each categorical value (``type.field=value``, strings,
  booleans, lists of strings joined, ``null``), raw and per event;
* for every numeric field (``ts``, ``seq``, ``x``, ``y``, ``dx``, anything numeric, arrays such
  as ``screen`` flattened to ``screen[0]``, ``screen[1]``), per event type and over all events:
  quantiles, mean and standard deviation of its values and of its successive differences within
  the stretch.

So a policy cannot pass by hiding a signal in a field nobody thought to look at. Two things are
left out, and only these: the identifier fields (pseudonyms name the account, not the person; the
threat is linking a person across accounts, rotation epochs or data sets) and absolute time:
``ts`` and ``seq`` are taken relative to the stretch's first event, because a session's clock
time would find the session, not its person (the same rule as ``features.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Event = Mapping[str, Any]
FeatureDict = dict[str, float]
IDENTIFIERS = frozenset({"event_id", "user_id", "device_id", "session_id", "key_id"})
RELATIVE = ("ts", "seq")  # taken relative to the stretch's first value
_QUANTILES = np.array([10, 25, 50, 75, 90])
_STAT_NAMES = ("q10", "q25", "q50", "q75", "q90", "mean", "std")


@dataclass
class Columns:
    """A stretch as counts and numeric series, in stream order; stretches concatenate."""

    events: int = 0
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    series: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def _walk(prefix: str, value: Any, columns: Columns, kind: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        text = "null" if value is None else str(value).lower() if isinstance(value, bool) else value
        columns.counts[f"{kind}.{prefix}={text}"] += 1
    elif isinstance(value, int | float):
        columns.series[f"{kind}.{prefix}"].append(float(value))
        columns.series[f"*.{prefix}"].append(float(value))
    elif isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            columns.counts[f"{kind}.{prefix}={'+'.join(sorted(value))}"] += 1
        else:
            for index, item in enumerate(value):
                _walk(f"{prefix}[{index}]", item, columns, kind)
    elif isinstance(value, Mapping):
        for name, item in value.items():
            _walk(f"{prefix}.{name}", item, columns, kind)
    else:
        columns.counts[f"{kind}.{prefix}=<{type(value).__name__}>"] += 1


_SKIPPED = IDENTIFIERS | {"type"}


def columns(events: Iterable[Event]) -> Columns:
    """Counts and numeric series of a stretch of events in stream order."""
    out = Columns()
    counts, series = out.counts, out.series
    # The common cases (a string or a number at the top level) without _walk's recursion:
    # the same names and values, a few times faster on the millions of fields of raw mouse.
    number_names: dict[tuple[str, str], tuple[str, str]] = {}
    for event in events:
        out.events += 1
        kind = str(event.get("type"))
        counts[f"type={kind}"] += 1
        for name, value in event.items():
            if name in _SKIPPED:
                continue
            cls = type(value)
            if cls is str:
                counts[f"{kind}.{name}={value}"] += 1
            elif cls is int or cls is float:
                names = number_names.get((kind, name))
                if names is None:
                    names = number_names[kind, name] = (f"{kind}.{name}", f"*.{name}")
                series[names[0]].append(float(value))
                series[names[1]].append(float(value))
            else:
                _walk(name, value, out, kind)
    return out


def concat(parts: Sequence[Columns]) -> Columns:
    out = Columns()
    for part in parts:
        out.events += part.events
        for name, count in part.counts.items():
            out.counts[name] += count
        for name, values in part.series.items():
            out.series[name].extend(values)
    return out


def quantiles(values: np.ndarray, percents: np.ndarray = _QUANTILES) -> np.ndarray:
    """``np.percentile`` (linear), several times faster on the many small arrays here."""
    ordered = np.sort(values)
    position = (len(ordered) - 1) * percents / 100
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, len(ordered) - 1)
    weight = position - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def _stats(prefix: str, values: np.ndarray, out: FeatureDict) -> None:
    stats = (*quantiles(values), values.mean(), values.std())
    for name, value in zip(_STAT_NAMES, stats, strict=True):
        out[f"{prefix}:{name}"] = float(value)


def features(stretch: Columns) -> FeatureDict:
    """Named features of a stretch (absent ones missing, so a vectorizer makes them NaN)."""
    out: FeatureDict = {"events": float(stretch.events)}
    if not stretch.events:
        return out
    for name, count in stretch.counts.items():
        out[f"n:{name}"] = count
        out[f"r:{name}"] = count / stretch.events
    for name, series in stretch.series.items():
        values = np.asarray(series, dtype=np.float64)
        if name.rsplit(".", 1)[-1] in RELATIVE:
            values = values - values[0]
        _stats(f"v:{name}", values, out)
        if len(values) > 1:
            _stats(f"d:{name}", np.diff(values), out)
    return out


def extract(events: Iterable[Event]) -> FeatureDict:
    """Features of one stretch of events in stream order."""
    return features(columns(events))
