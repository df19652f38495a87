"""What ``sanitizer report`` measures: the default sample or everything, and the measuring.

The keystroke attacks run in this process while a spawned one measures the mouse data and the
simulator's traffic; ``privacy.report`` renders what comes back.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# What the default run covers (sized to about a minute), and what --full covers. Raw output
# (what an attacker gets without the sanitizer) is the slowest to attack and has no target:
# `--policy raw` or `--full` adds it.
SAMPLE: dict[str, Any] = {"typists": 40, "mouse_minutes": 4.0, "simulator_minutes": 2.0,
          "policies": ("default", "per-event"), "queries": ("half",)}  # fmt: skip
FULL: dict[str, Any] = {"typists": None, "mouse_minutes": None, "simulator_minutes": 10.0,
        "policies": ("raw", "loose", "default", "strict", "per-event"),
        "queries": ("sentence", "half")}  # fmt: skip


def coverage(plan: dict[str, Any]) -> str:
    typists = plan["typists"] or 300
    mouse = "whole sessions" if plan["mouse_minutes"] is None else (
        f"the first {plan['mouse_minutes']:g} min of each session")  # fmt: skip
    return (
        f"Covered: policies {', '.join(plan['policies'])}; {typists} typists (letters as "
        f"logged and restored, each sentence submitted with Enter; queries: "
        f"{', '.join(plan['queries'])}); mouse: {mouse}; "
        f"simulator: 50 users, {plan['simulator_minutes']:g} min."
    )


class Progress:
    """Progress lines on stderr with the seconds since ``started`` (``time.monotonic``, which
    is the same clock in a child process, so both halves of a measurement share it)."""

    def __init__(self, started: float | None = None) -> None:
        self.started = time.monotonic() if started is None else started

    def __call__(self, text: str) -> None:
        print(f"… {text} ({time.monotonic() - self.started:.0f} s)", file=sys.stderr, flush=True)


def _mouse_and_simulator(
    chosen: tuple[str, ...],
    mouse_minutes: float | None,
    simulator_minutes: float | None,
    progress: Progress,
) -> tuple[dict[str, Any] | None, list[Any]]:
    """The half of a measurement that needs no keystroke data (run beside it)."""
    from privacy.evaluation.mouse_eval import run_mouse_evaluation
    from privacy.evaluation.timing import simulate

    mouse = None
    if mouse_minutes != 0:
        mouse = run_mouse_evaluation(chosen, mouse_minutes, progress=progress).to_json()
    figures = simulate(chosen, simulator_minutes, progress=progress) if simulator_minutes else []
    return mouse, figures


def measure(
    plan: dict[str, Any],
    policies: Sequence[str] | None,
    progress: Callable[[str], None],
    timing: bool = True,
    mouse: bool = True,
) -> dict[str, Any]:
    """Measure what the results files did not bring: keystrokes and simulator, and mouse.
    The keystroke attacks run here while a second process measures the mouse data and the
    simulator's traffic (they share nothing; on two cores the report takes about half as long)."""
    from privacy.evaluation.timing import run_evaluation

    chosen = tuple(policies or plan["policies"])
    side = Progress() if not isinstance(progress, Progress) else progress
    mouse_minutes = plan["mouse_minutes"] if mouse else 0
    simulator_minutes = plan["simulator_minutes"] if timing else None
    out: dict[str, Any] = {}
    # spawn, not fork: the parent may hold BLAS and joblib threads by then.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        pending = pool.submit(_mouse_and_simulator, chosen, mouse_minutes, simulator_minutes, side)
        if timing:
            evaluation = run_evaluation(
                plan["typists"], chosen, queries=plan["queries"], progress=progress, submit=True
            )
        mouse_json, simulated_figures = pending.result()
    if timing:
        evaluation.simulated = simulated_figures
        out["timing"] = evaluation.to_json()
    if mouse_json is not None:
        out["mouse"] = mouse_json
    return out
