"""``sanitizer evaluate-timing``: can typists still be identified from sanitized output?

Converts the 136M Keystrokes subset (Dhakal et al., CHI 2018) into interaction/v1 events, runs
them through each policy with the real pipeline, and trains typist classifiers on what comes
out. Prints top-1/top-5 accuracy as multiples of chance per policy, classifier and query size,
and beside it what each policy keeps for training. Runs the data twice: with the letters that
the logs lack restored from their key codes, and as logged (``Unidentified``). The
policy-agnostic attacker (``agnostic:*``) runs on the half-session query, the one with a
target. The simulator's traffic gives the order-of-actions, click and k-anonymity figures
(``simulated.py``); every figure with a target gets its verdict (``targets.py``).
``benchmarks/privacy_timing.py`` calls ``cli.evaluate.main``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import orjson
from rich.table import Table

from privacy.evaluation import classifiers, protocol, simulated, targets
from privacy.evaluation.keystrokes import LoadStats, load_participants
from privacy.evaluation.protocol import Typist
from privacy.evaluation.retention import Retention, measure
from privacy.evaluation.runs import POLICIES, label, run_policy

QUICK_PARTICIPANTS = 30
LETTERS = ("restored", "logged")


@dataclass
class Evaluation:
    load: LoadStats
    scores: list[protocol.Score] = field(default_factory=list)
    retention: list[Retention] = field(default_factory=list)
    loads: list[LoadStats] = field(default_factory=list)
    simulated: list[simulated.SimulatedFigures] = field(default_factory=list)

    def score(
        self, policy: str, classifier: str, query: str, letters: str = "restored"
    ) -> protocol.Score:
        for item in self.scores:
            key = (item.policy, item.classifier, item.query, item.letters)
            if key == (policy, classifier, query, letters):
                return item
        raise KeyError((policy, classifier, query, letters))

    def verdicts(self) -> list[targets.Verdict]:
        out = [
            targets.typist(
                s.policy,
                s.letters,
                classifiers.CLASSIFIER_LABELS.get(s.classifier, s.classifier),
                s.top1 / s.top1_chance,
            )
            for s in self.scores
            if s.query == "half"
        ]
        for figures in self.simulated:
            kept = figures.kept
            out += targets.retention(
                figures.policy,
                "simulator",
                kept.order_similarity,
                kept.clicks_faithful,
                kept.click_error_median,
                kept.clicks,
            )
            out.append(targets.k_unique(figures.policy, figures.k_bands["k=1"]))
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "load": asdict(self.load),
            "loads": [asdict(load) for load in self.loads],
            "simulated": [figures.to_json() for figures in self.simulated],
            "verdicts": [v.to_json() for v in self.verdicts()],
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
    classifier_names: Sequence[str] = classifiers.ATTACKERS,
    queries: Sequence[str] = protocol.QUERY_SIZES,
    data_dir: Path | None = None,
    seed: int = 0,
    letters: Sequence[str] = LETTERS,
    simulator_minutes: float | None = None,
    progress: Callable[[str], None] = lambda _: None,
    submit: bool = False,
) -> Evaluation:
    """The whole measurement, as data. Policies run one at a time to bound memory.
    Agnostic attackers run on the ``half`` query only; the simulator's traffic is measured
    when ``simulator_minutes`` is given. ``submit``: each sentence ends with the Enter that
    submitted it (see ``keystrokes.to_events``)."""
    evaluation: Evaluation | None = None
    # Per policy, the digest of the output the attackers saw and their scores: when the other
    # reading of the letters gives the very same output (the default makes `Unidentified` and
    # restored letters alike typing), the same attackers on the same input score the same.
    seen: dict[str, tuple[str, list[protocol.Score]]] = {}
    for reading in letters:
        people, stats = load_participants(data_dir, participants, reading == "restored")
        if evaluation is None:
            evaluation = Evaluation(stats)
        evaluation.loads.append(stats)
        for policy in policies:
            progress(f"keystrokes ({reading}): {label(policy)}")
            run = run_policy(policy, people, submit)
            if reading == letters[0]:
                evaluation.retention.append(measure(run))
            digest = output_digest(run.typists)
            if policy in seen and seen[policy][0] == digest:
                progress(f"keystrokes ({reading}): {label(policy)}: the same output, same scores")
                scores = seen[policy][1]
            else:
                scores = []
                for query in queries:
                    names = [
                        n
                        for n in classifier_names
                        if query == "half" or not n.startswith("agnostic:")
                    ]
                    scores += protocol.evaluate(run.typists, label(policy), names, query, seed)
                seen[policy] = (digest, scores)
            evaluation.scores += [replace(score, letters=reading) for score in scores]
    if evaluation is None:
        raise ValueError("no letters reading given")
    if simulator_minutes:
        evaluation.simulated = simulate(policies, simulator_minutes, seed, progress)
    return evaluation


def simulate(
    policies: Sequence[str],
    minutes: float,
    seed: int = 0,
    progress: Callable[[str], None] = lambda _: None,
) -> list[simulated.SimulatedFigures]:
    """What training keeps and k-anonymity, on the simulator's traffic, per policy."""
    progress(f"simulator: {simulated.USERS} users, {minutes:g} min")
    sessions = simulated.simulated_sessions(simulated.USERS, minutes, seed)
    figures = []
    for policy in policies:
        progress(f"simulator: {label(policy)}")
        figures.append(simulated.measure(policy, sessions, simulated.USERS, minutes))
    return figures


def output_digest(typists: Sequence[Typist]) -> str:
    """A digest of everything the attackers are given: each typist's sentences of output."""
    digest = hashlib.sha256()
    for typist in typists:
        digest.update(orjson.dumps([typist.label, typist.sentences]))
    return digest.hexdigest()


def scores_table(evaluation: Evaluation) -> Table:
    table = Table(title="Typist identification (accuracy, × chance)")
    columns = ("policy", "letters", "classifier", "query", "typists", "queries", "top-1", "top-5")
    for name in columns:
        table.add_column(name, justify="right" if name in ("typists", "queries") else "left")
    for s in evaluation.scores:
        table.add_row(
            s.policy,
            s.letters,
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


def simulated_table(evaluation: Evaluation) -> Table:
    table = Table(title="Simulator traffic: what training keeps, and k-anonymity")
    columns = ("policy", "events out/in", "order", "order min", "clicks", "faithful",
               "median error", "k = 1", "k = 2-4", "k ≥ 5")  # fmt: skip
    for name in columns:
        table.add_column(name)
    for f in evaluation.simulated:
        k = f.kept
        table.add_row(
            f.policy, f"{f.events_out / max(f.events_in, 1):.0%}", f"{k.order_similarity:.3f}",
            f"{k.order_similarity_min:.3f}", str(k.clicks), f"{k.clicks_faithful:.1%}",
            f"{k.click_error_median:.1%}", *(f"{v:.1%}" for v in f.k_bands.values()),
        )  # fmt: skip
    return table
