"""What the output exposes, as numbers for the report: timing gaps and k-anonymity.

* Inter-key intervals: the time between consecutive typing events of a session (key presses,
  or typing summaries where a policy summarizes), the raw biometric the policies remove.
* k-anonymity of quasi-identifiers: within each time window (an hour by default), events are
  grouped by (app, os, screen, coarse time), the time as the output carries it; an event's k is
  the number of distinct users in its group. k = 1 means the combination alone singles out
  one user in that window, whatever the pseudonyms.
* The target's k-anonymity (``k_anonymity_bands``): on (app, os, screen, hour) alone, the share
  of events with k = 1, 2-4 and >= 5.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

Event = dict[str, Any]
TYPING_TYPES = ("key_down",)
QUASI_IDENTIFIERS = ("app", "os", "screen", "ts")


def is_typing(event: Event) -> bool:
    return event.get("type") in TYPING_TYPES or (
        event.get("type") == "text_input" and event.get("field") == "typing"
    )


def inter_key_intervals(sessions: Sequence[Sequence[Event]]) -> np.ndarray:
    """Milliseconds between consecutive typing events, over all sessions."""
    gaps: list[int] = []
    for session in sessions:
        times = [int(e["ts"]) for e in session if is_typing(e)]
        gaps += [b - a for a, b in pairwise(times)]
    return np.asarray(gaps, dtype=np.int64)


@dataclass(frozen=True)
class KAnonymity:
    window_ms: int
    k_per_event: np.ndarray  # k of every event

    def share_at_most(self, k: int) -> float:
        if not len(self.k_per_event):
            return 0.0
        return float((self.k_per_event <= k).mean())


def k_anonymity(
    sessions: Sequence[Sequence[Event]],
    window_ms: int = 3_600_000,
    quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS,
) -> KAnonymity:
    """k of each event: distinct users sharing its quasi-identifiers within its time window.
    Users are told apart by ``user_id`` (a pseudonym after sanitization, a login before)."""
    users: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    keys: list[tuple[Any, ...]] = []
    for session in sessions:
        for event in session:
            ts = int(event["ts"])
            key = (
                ts - ts % window_ms,
                *(str(event.get(name)) for name in quasi_identifiers),
            )
            users[key].add(str(event.get("user_id")))
            keys.append(key)
    return KAnonymity(window_ms, np.asarray([len(users[key]) for key in keys], dtype=np.int64))


def k_anonymity_bands(sessions: Sequence[Sequence[Event]]) -> dict[str, float]:
    """Shares of events with k = 1, 2-4 and >= 5 on (app, os, screen, hour)."""
    k = k_anonymity(sessions, 3_600_000, ("app", "os", "screen")).k_per_event
    if not len(k):
        return {"k=1": 0.0, "k=2-4": 0.0, "k>=5": 0.0}
    return {
        "k=1": float((k == 1).mean()),
        "k=2-4": float(((k >= 2) & (k <= 4)).mean()),
        "k>=5": float((k >= 5).mean()),
    }
