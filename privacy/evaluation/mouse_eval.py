"""``sanitizer evaluate-mouse``: can mouse users be identified from sanitized output, and what
does training keep of their clicks?

Runs the Balabit sessions (``mouse.py``, Fülöp et al. 2016) through each policy with the real
pipeline, then scores user identification on 2-minute windows across sessions
(``mouse_protocol.py``) and the retention figures on the same sessions (``actions.py``), each
with its verdict (``targets.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from privacy.evaluation import actions, mouse_protocol, targets
from privacy.evaluation.mouse import MouseLoad, load_sessions
from privacy.evaluation.runs import RAW, label, run_sessions

MOUSE_POLICIES = (RAW, "loose", "default", "strict", "per-event")
QUICK_MINUTES = 10.0
LABELS = {"nearest_centroid": "nearest centroid", "random_forest": "random forest"}


@dataclass
class MouseEvaluation:
    load: MouseLoad
    minutes: float | None
    windows: int = 0
    scores: list[mouse_protocol.MouseScore] = field(default_factory=list)
    kept: dict[str, actions.Kept] = field(default_factory=dict)

    def verdicts(self) -> list[targets.Verdict]:
        out = [
            targets.mouse(s.policy, s.features, LABELS[s.classifier], s.x_chance)
            for s in self.scores
        ]
        for policy, kept in self.kept.items():
            out += targets.retention(
                policy, "mouse data", kept.order_similarity, kept.clicks_faithful,
                kept.click_error_median, kept.clicks,
            )  # fmt: skip
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "load": asdict(self.load),
            "minutes_per_session": self.minutes,
            "windows": self.windows,
            "scores": [{**asdict(s), "x_chance": s.x_chance} for s in self.scores],
            "kept": {policy: kept.to_json() for policy, kept in self.kept.items()},
            "verdicts": [v.to_json() for v in self.verdicts()],
        }


def run_mouse_evaluation(
    policies: Sequence[str] = MOUSE_POLICIES,
    minutes: float | None = None,
    data_dir: Path | None = None,
    seed: int = 0,
    progress: Callable[[str], None] = lambda _: None,
) -> MouseEvaluation:
    """Every policy on the same sessions and windows; ``minutes`` keeps only each session's
    first minutes (None: the whole 40 min)."""
    progress("mouse: loading the Balabit sessions")
    sessions, stats = load_sessions(data_dir, minutes=minutes)
    evaluation = MouseEvaluation(stats, minutes)
    raw = [s.events for s in sessions]
    for policy in policies:
        progress(f"mouse: {label(policy)}")
        run = run_sessions(policy, raw)
        items = mouse_protocol.windows(sessions, run.out_sessions)
        evaluation.windows = len(items)
        evaluation.scores += mouse_protocol.evaluate(run.policy, items, seed=seed)
        evaluation.kept[run.policy] = actions.kept(raw, run.out_sessions, run.origins)
    return evaluation


def scores_table(evaluation: MouseEvaluation) -> Table:
    table = Table(title=f"Mouse user identification ({evaluation.windows} windows of 2 min)")
    for name in ("policy", "features", "classifier", "users", "queries", "top-1 (balanced)"):
        table.add_column(name)
    for s in evaluation.scores:
        table.add_row(
            s.policy, s.features, LABELS[s.classifier], str(s.users), str(s.queries),
            f"{s.top1:.1%} ({s.x_chance:.1f}×)",
        )  # fmt: skip
    return table


def kept_table(evaluation: MouseEvaluation) -> Table:
    table = Table(title="Mouse data: what training keeps")
    for name in ("policy", "order", "order min", "clicks", "faithful", "median error"):
        table.add_column(name)
    for policy, k in evaluation.kept.items():
        table.add_row(
            policy, f"{k.order_similarity:.3f}", f"{k.order_similarity_min:.3f}", str(k.clicks),
            f"{k.clicks_faithful:.1%}", f"{k.click_error_median:.1%}",
        )  # fmt: skip
    return table
