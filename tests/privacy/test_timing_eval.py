"""The timing evaluation on the quick subset: the attack works on raw data, the default
policy takes most of it away, and the report of what training keeps is right.

Only structure and orderings are asserted: scores on 30 typists are noisy, and no test here
asserts a duration.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli.evaluate import main
from privacy.evaluation import classifiers, protocol
from privacy.evaluation.runs import POLICIES, run_policy
from privacy.evaluation.timing import QUICK_PARTICIPANTS, Evaluation


def test_every_policy_classifier_and_query_size_is_scored(quick_evaluation: Evaluation) -> None:
    keys = {(s.policy, s.classifier, s.query) for s in quick_evaluation.scores}
    # The policy-agnostic attacker runs on the half-session query, the one with a target.
    assert keys == {
        (p, c, q) for p in POLICIES for c in classifiers.CLASSIFIERS for q in protocol.QUERY_SIZES
    } | {(p, c, "half") for p in POLICIES for c in classifiers.AGNOSTIC}
    for score in quick_evaluation.scores:
        assert score.typists == QUICK_PARTICIPANTS
        per_typist = 15 - protocol.TRAIN_SENTENCES if score.query == "sentence" else 5
        assert score.queries == QUICK_PARTICIPANTS * per_typist
        assert 0.0 <= score.top1 <= score.top5 <= 1.0


def test_typists_are_identified_from_raw_timing_well_above_chance(
    quick_evaluation: Evaluation,
) -> None:
    for classifier in classifiers.CLASSIFIERS:
        for query in protocol.QUERY_SIZES:
            score = quick_evaluation.score("raw", classifier, query)
            assert score.top1 >= 5 * score.top1_chance, (classifier, query, score.top1)
    for classifier in classifiers.AGNOSTIC:
        score = quick_evaluation.score("raw", classifier, "half")
        assert score.top1 >= 5 * score.top1_chance, (classifier, score.top1)


def test_the_default_policy_identifies_fewer_typists_than_raw(
    quick_evaluation: Evaluation,
) -> None:
    for classifier in classifiers.CLASSIFIERS:
        for query in protocol.QUERY_SIZES:
            raw = quick_evaluation.score("raw", classifier, query)
            default = quick_evaluation.score("default", classifier, query)
            assert default.top1 < raw.top1 and default.top5 < raw.top5, (classifier, query)


def test_what_training_keeps_is_reported_per_policy(quick_evaluation: Evaluation) -> None:
    kept = {r.policy: r for r in quick_evaluation.retention}
    assert list(kept) == list(POLICIES)
    raw, default = kept["raw"], kept["default"]
    assert raw.order_kept and raw.class_sequence_kept and raw.releases_kept == 1.0
    assert raw.ts_resolution_ms == 1
    assert default.order_kept and not default.class_sequence_kept
    assert default.releases_kept == 0.0 and default.typing_summaries > 0
    assert kept["loose"].class_sequence_kept and kept["loose"].releases_kept == 0.0
    assert all(r.mouse.startswith("n/a") for r in kept.values())  # the dataset has no mouse


def test_every_half_session_score_and_simulator_figure_has_a_verdict(
    quick_evaluation: Evaluation,
) -> None:
    verdicts = quick_evaluation.verdicts()
    halves = [s for s in quick_evaluation.scores if s.query == "half"]
    typist = [v for v in verdicts if v.target.startswith("typist")]
    assert len(typist) == len(halves)
    assert all(not v.passed for v in typist if v.policy == "raw")
    simulated = {v.target for v in verdicts if v.policy == "default"} - {v.target for v in typist}
    assert simulated == {
        "order of actions (simulator)", "clicks faithful (simulator)",
        "median click error (simulator)", "events with k = 1 (simulator)",
    }  # fmt: skip
    raw = next(f for f in quick_evaluation.simulated if f.policy == "raw")
    assert raw.kept.order_similarity == 1.0 and raw.kept.clicks_faithful == 1.0
    data = quick_evaluation.to_json()
    assert len(data["verdicts"]) == len(verdicts)  # type: ignore[arg-type]


def test_the_dataset_passes_every_policy_without_quarantine(participants: list) -> None:  # type: ignore[type-arg]
    for policy in POLICIES[1:]:
        run = run_policy(policy, participants[:5])
        assert run.outcomes["quarantined"] == 0, policy
        assert run.outcomes["sanitized"] > 0


def test_the_benchmark_entry_point_writes_json(tmp_path: Path, participants: list) -> None:  # type: ignore[type-arg]
    out = tmp_path / "scores.json"
    args = ["--participants", "12", "--policy", "builtin:raw", "--letters", "logged"]
    args += ["--query", "half", "--simulator-minutes", "0", "--json", str(out)]
    assert main(args) == 0
    data = json.loads(out.read_text())
    assert {s["letters"] for s in data["scores"]} == {"logged"}
    assert {s["policy"] for s in data["scores"]} == {"raw"}
    assert data["loads"][0]["unidentified_keys"] > 0  # participant 274 logged no letter
    assert all(v["verdict"] == "FAIL" for v in data["verdicts"])
    assert {s["policy"] for s in data["scores"]} == {"raw"}
    assert data["load"]["files"] == 12
    assert all(s["top1_x_chance"] >= 0 for s in data["scores"])


def test_a_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    assert main(["--data-dir", str(tmp_path / "nowhere"), "--quick"]) == 2
