"""Mouse user identification from sanitized output: 2-minute windows, cross-session.

The Balabit sessions (``mouse.py``) run through a policy. The attacker cuts each session's
output into 2-minute windows by the output's own ``ts`` and names the user of a window among
the 10. Protocol: in fold k, the k-th session of every user gives the query windows, and every
window of every other session is the reference, so a query and its reference never come from
the same session (``folds``). The windows are chosen on the raw events (at least
``MIN_RAW_EVENTS`` in the window), the same windows for every policy.

Two feature sets: the policy-agnostic one (``agnostic.py``) and mouse dynamics (``dynamics``):
step length, direction, turning angle and speed along the path of every positioned event, and
the event rate per type. Classifiers: nearest centroid and random forest. Top-1 accuracy is
balanced (the mean of the per-user accuracies), so chance is exactly 1/10 and the ceiling 10x.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from privacy.evaluation import agnostic, classifiers
from privacy.evaluation.features import Vectorizer
from privacy.evaluation.mouse import MouseSession

WINDOW_MS = 120_000
MIN_RAW_EVENTS = 20
FEATURE_SETS = ("agnostic", "dynamics")
MOUSE_CLASSIFIERS = ("nearest_centroid", "random_forest")
_Q = np.array([10, 25, 50, 75, 90])
Event = Mapping[str, Any]


@dataclass(frozen=True)
class Window:
    user: int  # label
    session: int  # index of the session
    rank: int  # the session's rank among its user's sessions
    events: Sequence[Event]


@dataclass(frozen=True)
class MouseScore:
    policy: str
    features: str
    classifier: str
    users: int
    queries: int
    top1: float  # balanced

    @property
    def chance(self) -> float:
        return 1 / self.users

    @property
    def x_chance(self) -> float:
        return self.top1 / self.chance


def windows(
    sessions: Sequence[MouseSession], out_sessions: Sequence[Sequence[Event]]
) -> list[Window]:
    """Each session's output cut into 2-minute windows by ``ts``, the windows that hold at
    least ``MIN_RAW_EVENTS`` raw events."""
    users = {name: label for label, name in enumerate(sorted({s.user for s in sessions}))}
    ranks: Counter[str] = Counter()
    out: list[Window] = []
    for number, (session, output) in enumerate(zip(sessions, out_sessions, strict=True)):
        busy = Counter(int(e["ts"]) // WINDOW_MS for e in session.events)
        cut: dict[int, list[Event]] = {}
        for event in output:
            cut.setdefault(int(event["ts"]) // WINDOW_MS, []).append(event)
        rank = ranks[session.user]
        ranks[session.user] += 1
        for slot in sorted(slot for slot, n in busy.items() if n >= MIN_RAW_EVENTS):
            out.append(Window(users[session.user], number, rank, cut.get(slot, [])))
    return out


def folds(items: Sequence[Window]) -> Iterator[tuple[list[int], list[int]]]:
    """(reference, query) indices: fold k queries with every user's k-th session."""
    for rank in sorted({w.rank for w in items}):
        query = [i for i, w in enumerate(items) if w.rank == rank]
        held = {items[i].session for i in query}
        reference = [i for i, w in enumerate(items) if w.session not in held]
        yield reference, query


def _summary(name: str, values: np.ndarray, out: dict[str, float]) -> None:
    if len(values):
        for q, v in zip(_Q, agnostic.quantiles(values, _Q), strict=True):
            out[f"{name}:q{q}"] = float(v)
        out[f"{name}:mean"] = float(values.mean())


def dynamics(events: Sequence[Event]) -> dict[str, float]:
    """Mouse-dynamics features of a window: along the path of every event with a numeric
    position, step length, direction (8 sectors), turning angle and speed; events per second
    of each type over the window."""
    out: dict[str, float] = {}
    for kind, count in Counter(str(e.get("type")) for e in events).items():
        out[f"rate:{kind}"] = count * 1000 / WINDOW_MS
    path = [
        (float(e["x"]), float(e["y"]), float(e["ts"]))
        for e in events
        if isinstance(e.get("x"), int | float) and isinstance(e.get("y"), int | float)
    ]
    if len(path) < 3:
        return out
    points = np.asarray(path)
    steps = np.diff(points, axis=0)
    length = np.hypot(steps[:, 0], steps[:, 1])
    moving = length > 0
    _summary("step", length, out)
    out["still_share"] = float(1 - moving.mean())
    angle = np.arctan2(steps[moving, 1], steps[moving, 0])
    if len(angle):
        sectors = np.bincount(((angle + np.pi) / (np.pi / 4)).astype(int) % 8, minlength=8)
        for sector, count in enumerate(sectors):
            out[f"direction:{sector}"] = float(count / len(angle))
    if len(angle) > 1:
        turn = np.abs((np.diff(angle) + np.pi) % (2 * np.pi) - np.pi)
        _summary("turn", turn, out)
    timed = steps[:, 2] > 0
    _summary("speed", length[timed] / steps[timed, 2], out)
    _summary("dt", steps[:, 2], out)
    return out


def top1_hits(result: classifiers.Scores, truth: np.ndarray) -> np.ndarray:
    """Per query, 1 if the truth scores highest, 1/n if tied with n-1 others, else 0."""
    column = np.searchsorted(result.labels, truth)
    true_score = result.values[np.arange(len(truth)), column]
    better = (result.values > true_score[:, None]).sum(axis=1)
    tied = (result.values == true_score[:, None]).sum(axis=1)
    return np.clip((1 - better) / tied, 0.0, 1.0)


def evaluate(
    policy: str, items: Sequence[Window], feature_sets: Sequence[str] = FEATURE_SETS, seed: int = 0
) -> list[MouseScore]:
    labels = np.array([w.user for w in items])
    users = len(set(labels.tolist()))
    scores = []
    for feature_set in feature_sets:
        extract = agnostic.extract if feature_set == "agnostic" else dynamics
        samples = [extract(w.events) for w in items]
        hits: dict[str, np.ndarray] = {c: np.zeros(len(items)) for c in MOUSE_CLASSIFIERS}
        queried = np.zeros(len(items), dtype=bool)
        for reference, query in folds(items):
            vectorizer = Vectorizer([samples[i] for i in reference], max_features=1500)
            x_ref = vectorizer.transform([samples[i] for i in reference])
            x_query = vectorizer.transform([samples[i] for i in query])
            for name in MOUSE_CLASSIFIERS:
                result = classifiers.score(name, x_ref, labels[reference], x_query, seed=seed)
                hits[name][query] = top1_hits(result, labels[query])
            queried[query] = True
        for name in MOUSE_CLASSIFIERS:
            per_user = [hits[name][(labels == u) & queried].mean() for u in sorted(set(labels))]
            top1 = float(np.mean(per_user))
            scores.append(MouseScore(policy, feature_set, name, users, int(queried.sum()), top1))
    return scores
