"""Issue 9's targets and the verdict of each measured figure against its target.

| what | target |
|---|---|
| typist, half a session, every attacker, as logged and letters restored | <= 2x chance |
| mouse user, 2-minute windows from other sessions, nearest centroid and random forest | <= 3x |
| clicks that keep a faithful position (within 5% of the screen diagonal) | >= 95% |
| events with k = 1 on (app, os, screen, hour), simulator's 50-user traffic | <= 5% |
| order of actions, sanitized against raw, per session (mean) | >= 0.9 |
| click positions: median error | <= 5% of the diagonal |

The targets are set for the default policy; every policy gets its verdicts so the tables can
show where each one stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rich.table import Table

TYPIST_MAX_X = 2.0
MOUSE_MAX_X = 3.0
CLICKS_FAITHFUL_MIN = 0.95
K1_MAX = 0.05
ORDER_MIN = 0.9
CLICK_ERROR_MAX = 0.05


@dataclass(frozen=True)
class Verdict:
    policy: str
    target: str  # what is measured, on which data
    figure: float
    bound: float
    at_most: bool  # True: figure <= bound passes; False: figure >= bound passes
    unit: str  # "x chance", "share" or "similarity"

    @property
    def passed(self) -> bool:
        if math.isnan(self.figure):
            return False
        return self.figure <= self.bound if self.at_most else self.figure >= self.bound

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def show(self, value: float) -> str:
        if math.isinf(value):
            return "lost"
        if self.unit == "similarity":
            return f"{value:.3f}"
        return f"{value:.2f}×" if self.unit == "x chance" else f"{value:.1%}"

    def row(self) -> dict[str, str]:
        sign = "≤" if self.at_most else "≥"
        return {
            "policy": self.policy,
            "target": self.target,
            "figure": self.show(self.figure),
            "bound": f"{sign} {self.show(self.bound)}",
            "verdict": self.verdict,
        }

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["figure"] = None if math.isinf(self.figure) else self.figure
        return {**data, "verdict": self.verdict}


def typist(policy: str, letters: str, attacker: str, x_chance: float) -> Verdict:
    return Verdict(
        policy, f"typist ({letters}), {attacker}", x_chance, TYPIST_MAX_X, True, "x chance"
    )


def mouse(policy: str, features: str, classifier: str, x_chance: float) -> Verdict:
    name = f"mouse user, {features} features, {classifier}"
    return Verdict(policy, name, x_chance, MOUSE_MAX_X, True, "x chance")


def retention(
    policy: str, data: str, order: float, faithful: float, error: float, clicks: int
) -> list[Verdict]:
    out = [Verdict(policy, f"order of actions ({data})", order, ORDER_MIN, False, "similarity")]
    if clicks:  # no click, no click figure
        faithful_name, error_name = f"clicks faithful ({data})", f"median click error ({data})"
        out += [
            Verdict(policy, faithful_name, faithful, CLICKS_FAITHFUL_MIN, False, "share"),
            Verdict(policy, error_name, error, CLICK_ERROR_MAX, True, "share"),
        ]
    return out


def k_unique(policy: str, share: float) -> Verdict:
    return Verdict(policy, "events with k = 1 (simulator)", share, K1_MAX, True, "share")


def table(verdicts: Iterable[Verdict], title: str = "Targets (issue 9)") -> Table:
    out = Table(title=title)
    for name in ("policy", "target", "figure", "bound", "verdict"):
        out.add_column(name)
    for item in verdicts:
        row = item.row()
        colour = "green" if item.passed else "red"
        out.add_row(*list(row.values())[:-1], f"[{colour}]{row['verdict']}[/{colour}]")
    return out


def all_passed(verdicts: Sequence[Verdict]) -> bool:
    return all(v.passed for v in verdicts)
