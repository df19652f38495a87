"""``sanitizer evaluate-timing``: can typists still be identified from sanitized output?

Converts the 136M Keystrokes subset (Dhakal et al., CHI 2018) into interaction/v1 events, runs
them through each policy with the real pipeline, and trains typist classifiers on what comes
out. Prints top-1/top-5 accuracy as multiples of chance per policy, classifier and query size,
and beside it what each policy keeps for training. ``benchmarks/privacy_timing.py`` calls
``main``; the lead registers ``evaluate_timing`` as the CLI command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.table import Table

from privacy.evaluation import classifiers, protocol
from privacy.evaluation.keystrokes import LoadStats, load_participants
from privacy.evaluation.retention import Retention, measure
from privacy.evaluation.runs import POLICIES, run_policy

QUICK_PARTICIPANTS = 30


@dataclass
class Evaluation:
    load: LoadStats
    scores: list[protocol.Score] = field(default_factory=list)
    retention: list[Retention] = field(default_factory=list)

    def score(self, policy: str, classifier: str, query: str) -> protocol.Score:
        for item in self.scores:
            if (item.policy, item.classifier, item.query) == (policy, classifier, query):
                return item
        raise KeyError((policy, classifier, query))

    def to_json(self) -> dict[str, object]:
        return {
            "load": asdict(self.load),
            "scores": [
                {
                    **asdict(s),
                    "top1_x_chance": s.top1 / s.top1_chance,
                    "top5_x_chance": s.top5 / s.top5_chance,
                }
                for s in self.scores
            ],
            "retention": [asdict(r) for r in self.retention],
            "retention_table": [{"policy": r.policy, **r.describe()} for r in self.retention],
        }


def run_evaluation(
    participants: int | None = None,
    policies: Sequence[str] = POLICIES,
    classifier_names: Sequence[str] = classifiers.CLASSIFIERS,
    queries: Sequence[str] = protocol.QUERY_SIZES,
    data_dir: Path | None = None,
    seed: int = 0,
) -> Evaluation:
    """The whole measurement, as data. Policies run one at a time to bound memory."""
    people, stats = load_participants(data_dir, participants)
    evaluation = Evaluation(stats)
    for policy in policies:
        run = run_policy(policy, people)
        evaluation.retention.append(measure(run))
        for query in queries:
            evaluation.scores += protocol.evaluate(
                run.typists, policy, classifier_names, query, seed
            )
    return evaluation


def scores_table(evaluation: Evaluation) -> Table:
    table = Table(title="Typist identification (accuracy, × chance)")
    for name in ("policy", "classifier", "query", "typists", "queries", "top-1", "top-5"):
        table.add_column(name, justify="right" if name in ("typists", "queries") else "left")
    for s in evaluation.scores:
        table.add_row(
            s.policy,
            classifiers.CLASSIFIER_LABELS.get(s.classifier, s.classifier),
            s.query,
            str(s.typists),
            str(s.queries),
            f"{s.top1:.1%} ({s.top1 / s.top1_chance:.1f}×)",
            f"{s.top5:.1%} ({s.top5 / s.top5_chance:.1f}×)",
        )
    return table


def retention_table(evaluation: Evaluation) -> Table:
    table = Table(title="What training keeps")
    rows = [(r.policy, r.describe()) for r in evaluation.retention]
    table.add_column("policy")
    for name in rows[0][1] if rows else ():
        table.add_column(name)
    for policy, cells in rows:
        table.add_row(policy, *cells.values())
    return table
