"""The policy-agnostic attacker: it finds a person in any field, even one it was never told
about, and it can fail: a constant output, identifiers and absolute time give it nothing."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from privacy.evaluation import agnostic, classifiers
from privacy.evaluation.features import Vectorizer
from privacy.evaluation.mouse_protocol import top1_hits

USERS, STRETCHES = 6, 8


def stretch(user: int, number: int, rng: random.Random, **fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "user_id": f"user-{rng.random()}", "session_id": f"s{user}-{number}",
            "seq": 1000 * number + i, "ts": 1_700_000_000_000 + 10**9 * number + 1000 * i,
            "type": "widget_event", **fields,
        }
        for i in range(30)
    ]  # fmt: skip


def top1(samples: list[list[dict[str, Any]]], labels: list[int], name: str) -> float:
    """Train on even stretches, query with odd ones; balanced top-1 accuracy."""
    x = [agnostic.extract(s) for s in samples]
    train = [i for i in range(len(x)) if i % 2 == 0]
    query = [i for i in range(len(x)) if i % 2 == 1]
    vectorizer = Vectorizer([x[i] for i in train], max_features=1500)
    y = np.array(labels)
    scores = classifiers.score(
        name, vectorizer.transform([x[i] for i in train]), y[train],
        vectorizer.transform([x[i] for i in query]),
    )  # fmt: skip
    return float(top1_hits(scores, y[query]).mean())


def dataset(make: Any) -> tuple[list[list[dict[str, Any]]], list[int]]:
    rng = random.Random(7)
    samples, labels = [], []
    for user in range(USERS):
        for number in range(STRETCHES):
            samples.append(make(user, number, rng))
            labels.append(user)
    return samples, labels


def test_users_who_differ_only_in_a_field_nobody_named_are_told_apart() -> None:
    def make(user: int, number: int, rng: random.Random) -> list[dict[str, Any]]:
        events = stretch(user, number, rng, mood="same")
        return [{**e, "zq_wobble": user * 3 + rng.gauss(0, 0.5)} for e in events]

    samples, labels = dataset(make)
    for name in ("nearest_centroid", "random_forest"):
        assert top1(samples, labels, name) >= 0.9, name


def test_a_categorical_value_and_a_nested_array_are_features_too() -> None:
    def make(user: int, number: int, rng: random.Random) -> list[dict[str, Any]]:
        events = stretch(user, number, rng, grid={"cells": [user % 3, 7]})
        return [{**e, "flavour": "abc"[user // 3] if i % 2 else "z"} for i, e in enumerate(events)]

    samples, labels = dataset(make)
    assert top1(samples, labels, "random_forest") >= 0.9


def test_a_constant_output_gives_chance() -> None:
    samples, labels = dataset(lambda user, number, rng: stretch(user, number, rng, x=5, y=5))
    for name in ("nearest_centroid", "random_forest"):
        assert abs(top1(samples, labels, name) - 1 / USERS) < 0.05, name


def test_identifiers_and_absolute_time_are_not_features() -> None:
    def make(user: int, number: int, rng: random.Random) -> list[dict[str, Any]]:
        return [
            {**e, "user_id": f"u{user}", "device_id": f"d{user}", "ts": e["ts"] + user * 10**7,
             "seq": e["seq"] + user * 10**6}
            for e in stretch(user, number, rng)
        ]  # fmt: skip

    samples, labels = dataset(make)
    names = set(agnostic.extract(samples[0]))
    assert not any("user_id" in n or "device_id" in n or "session_id" in n for n in names)
    assert agnostic.extract(samples[0])["v:*.ts:q50"] == 14_500.0  # relative to the stretch
    for name in ("nearest_centroid", "random_forest"):
        assert abs(top1(samples, labels, name) - 1 / USERS) < 0.05, name


def test_counts_are_raw_and_per_event_and_diffs_are_successive() -> None:
    events = [{"type": "a", "ts": 0, "x": 1}, {"type": "b", "ts": 10, "x": 4},
              {"type": "a", "ts": 30, "x": 9, "flag": True}]  # fmt: skip
    features = agnostic.extract(events)
    assert features["n:type=a"] == 2 and features["r:type=a"] == 2 / 3
    assert features["n:a.flag=true"] == 1
    assert features["d:*.x:mean"] == 4.0 and features["d:*.ts:q50"] == 15.0
    assert features["v:a.x:mean"] == 5.0


def test_quantiles_are_numpys_linear_percentiles() -> None:
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 100):
        values = rng.normal(size=size)
        assert np.allclose(agnostic.quantiles(values), np.percentile(values, [10, 25, 50, 75, 90]))


def test_an_output_without_any_feature_or_a_constant_one_gives_exactly_chance() -> None:
    y = np.array([0, 0, 1, 1, 2, 2])
    for name in classifiers.CLASSIFIERS:
        scores = classifiers.score(name, np.empty((6, 0)), y, np.empty((3, 0)))
        assert np.allclose(top1_hits(scores, np.array([0, 1, 2])), 1 / 3), name
    constant = classifiers.score("lda", np.ones((6, 2)), y, np.ones((3, 2)))
    assert np.allclose(top1_hits(constant, np.array([0, 1, 2])), 1 / 3)


def test_the_fast_path_reads_events_exactly_as_the_generic_walk() -> None:
    rng = random.Random(1)
    events = [
        {
            "type": rng.choice(["mouse_move", "key_down", "scroll"]),
            "user_id": "u",
            "ts": rng.randint(0, 10**12),
            "x": rng.random() * 100,
            "flag": rng.choice([True, False, None]),
            "label": rng.choice(["a", "b"]),
            "screen": [1920, 1080],
            "modifiers": ["shift", "ctrl"][: rng.randint(0, 2)],
            "nested": {"k": rng.randint(0, 3)},
        }
        for _ in range(2000)
    ]
    walked = agnostic.Columns()
    for event in events:
        walked.events += 1
        kind = str(event["type"])
        walked.counts[f"type={kind}"] += 1
        for name, value in event.items():
            if name not in agnostic.IDENTIFIERS and name != "type":
                agnostic._walk(name, value, walked, kind)
    fast = agnostic.columns(events)
    assert fast.events == walked.events
    assert dict(fast.counts) == dict(walked.counts)
    assert dict(fast.series) == dict(walked.series)
