"""The identification protocol: who is trained on what, who is queried with what.

Each typist has 15 sentences (one session). Two query sizes:

* ``sentence``: train on 10 sentences per typist (a seeded random choice), query with each of
  the other 5 sentences on its own;
* ``half``: query with 7 consecutive sentences (about half a session) and train on the other 8.
  Five folds (queries starting at sentences 0, 2, 4, 6, 8) give five queries per typist. The
  training set holds each training sentence alone and every window of 7 training sentences
  (in session order) as one sample, so the learner also sees samples the size of the query.

Features of a multi-sentence sample are computed over its events in stream order, as an
attacker holding that stretch of output would. A classifier name ``agnostic:NAME`` is the
policy-agnostic attacker: classifier NAME over ``agnostic.py``'s features instead of the learned
ones of ``features.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from privacy.evaluation import agnostic, classifiers
from privacy.evaluation.features import (
    Event,
    FeatureDict,
    Stats,
    Vectorizer,
    combine,
    features,
    stretch_stats,
)

QUERY_SIZES = ("sentence", "half")
TRAIN_SENTENCES = 10
HALF = 7
HALF_FOLD_STARTS = (0, 2, 4, 6, 8)


@dataclass(frozen=True)
class Typist:
    """One typist's output, per sentence, in stream order."""

    label: int
    sentences: Sequence[Sequence[Event]]


@dataclass(frozen=True)
class Score:
    policy: str
    classifier: str
    query: str
    typists: int
    queries: int
    top1: float
    top5: float
    letters: str = "restored"  # how empty LETTERs were read: "restored" or "logged"

    @property
    def top1_chance(self) -> float:
        return 1 / self.typists

    @property
    def top5_chance(self) -> float:
        return min(5, self.typists) / self.typists


AGNOSTIC_PREFIX = "agnostic:"
# Policy-agnostic features give many more columns than the learned ones.
MAX_FEATURES = {"learned": 400, "agnostic": 1500}


def feature_kind(classifier: str) -> tuple[str, str]:
    """``agnostic:random_forest`` -> (``agnostic``, ``random_forest``)."""
    if classifier.startswith(AGNOSTIC_PREFIX):
        return "agnostic", classifier.removeprefix(AGNOSTIC_PREFIX)
    return "learned", classifier


class _Samples:
    """Features of groups of one typist's sentences, from per-sentence statistics."""

    def __init__(self, typist: Typist, kind: str) -> None:
        self.kind = kind
        self.stats: list[Stats] = []
        self.columns: list[agnostic.Columns] = []
        if kind == "agnostic":
            self.columns = [agnostic.columns(events) for events in typist.sentences]
        else:
            self.stats = [stretch_stats(events) for events in typist.sentences]
        self.cache: dict[tuple[int, ...], FeatureDict] = {}

    def get(self, group: Sequence[int]) -> FeatureDict:
        key = tuple(group)
        if key not in self.cache:
            if self.kind == "agnostic":
                self.cache[key] = agnostic.features(agnostic.concat([self.columns[i] for i in key]))
            else:
                adjacent = [i == 0 or key[i] == key[i - 1] + 1 for i in range(len(key))]
                self.cache[key] = features(combine([self.stats[i] for i in key], adjacent))
        return self.cache[key]


Plan = tuple[list[int], list[list[int]]]  # training sentences, query groups of sentences


def _folds(typists: Sequence[Typist], query: str, seed: int) -> list[list[Plan]]:
    """Per fold, per typist: the plan of which sentences train and which query."""
    count = min(len(t.sentences) for t in typists)
    if query == "sentence":
        rng = np.random.default_rng(seed)
        plan: list[Plan] = []
        for _ in typists:
            order = [int(i) for i in rng.permutation(count)]
            plan.append((order[:TRAIN_SENTENCES], [[i] for i in order[TRAIN_SENTENCES:]]))
        return [plan]
    folds = []
    for start in (s for s in HALF_FOLD_STARTS if s + HALF <= count):
        held = list(range(start, start + HALF))
        train = [i for i in range(count) if i not in held]
        folds.append([(train, [held]) for _ in typists])
    return folds


def _training_groups(train: list[int], query: str) -> list[tuple[int, ...]]:
    groups: list[tuple[int, ...]] = [(i,) for i in train]
    if query == "half":
        groups += [tuple(train[i : i + HALF]) for i in range(len(train) - HALF + 1)]
    return groups


def expected_hits(scores: classifiers.Scores, truth: np.ndarray, k: int) -> float:
    """Mean top-k hit rate, ties broken uniformly at random (in expectation)."""
    column = np.searchsorted(scores.labels, truth)
    true_score = scores.values[np.arange(len(truth)), column]
    better = (scores.values > true_score[:, None]).sum(axis=1)
    tied = (scores.values == true_score[:, None]).sum(axis=1)  # includes the truth itself
    return float(np.clip((k - better) / tied, 0.0, 1.0).mean())


def evaluate(
    typists: Sequence[Typist],
    policy: str,
    classifier_names: Sequence[str],
    query: str,
    seed: int = 0,
) -> list[Score]:
    """Top-1 and top-5 identification accuracy of each classifier, pooled over folds."""
    hits: dict[str, list[float]] = {name: [0.0, 0.0] for name in classifier_names}
    folds = _folds(typists, query, seed)
    total = sum(len(groups) for fold in folds for _, groups in fold)
    for kind in dict.fromkeys(feature_kind(name)[0] for name in classifier_names):
        names = [name for name in classifier_names if feature_kind(name)[0] == kind]
        samples = [_Samples(typist, kind) for typist in typists]
        for fold in folds:
            train_x: list[FeatureDict] = []
            train_y: list[int] = []
            query_x: list[FeatureDict] = []
            query_y: list[int] = []
            for typist, sample, (train, groups) in zip(typists, samples, fold, strict=True):
                for group in _training_groups(train, query):
                    train_x.append(sample.get(group))
                    train_y.append(typist.label)
                for held in groups:
                    query_x.append(sample.get(held))
                    query_y.append(typist.label)
            vectorizer = Vectorizer(train_x, max_features=MAX_FEATURES[kind])
            x_train, x_query = vectorizer.transform(train_x), vectorizer.transform(query_x)
            truth = np.array(query_y)
            for name in names:
                scores = classifiers.score(
                    feature_kind(name)[1], x_train, np.array(train_y), x_query, seed=seed
                )
                hits[name][0] += expected_hits(scores, truth, 1) * len(truth)
                hits[name][1] += expected_hits(scores, truth, 5) * len(truth)
    return [
        Score(policy, name, query, len(typists), total, top1 / total, top5 / total)
        for name, (top1, top5) in hits.items()
    ]
