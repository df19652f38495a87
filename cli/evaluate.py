"""``sanitizer evaluate-timing``: can typists still be identified from sanitized output?
The evaluation is ``privacy.evaluation``; this is its command line, and ``main`` serves
``benchmarks/privacy_timing.py``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from privacy.evaluation.runs import POLICIES
from privacy.evaluation.timing import (
    QUICK_PARTICIPANTS,
    retention_table,
    run_evaluation,
    scores_table,
)


def evaluate_timing(
    participants: Annotated[
        int | None, typer.Option(help="use only the first N participants (default: all 300)")
    ] = None,
    quick: Annotated[
        bool, typer.Option(help=f"small run: {QUICK_PARTICIPANTS} participants")
    ] = False,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="policy to evaluate (repeatable): raw, a built-in name or a file"),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="the keystrokes-136m folder ($SANITIZER_KEYSTROKES_DIR)")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="also write the results as JSON here")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the sentence split and the forest")] = 0,
) -> None:
    """Measure how well typists are identified from raw and sanitized keystroke timing."""
    console = Console(width=max(Console().width, 150))
    count = QUICK_PARTICIPANTS if quick and participants is None else participants
    try:
        evaluation = run_evaluation(count, tuple(policy or POLICIES), data_dir=data_dir, seed=seed)
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    load = evaluation.load
    console.print(
        f"136M Keystrokes (Dhakal et al., CHI 2018): {load.files} files, {load.rows} rows, "
        f"{load.malformed_rows} malformed rows skipped, {load.latin1_files} files read as Latin-1"
    )
    console.print(scores_table(evaluation))
    console.print(retention_table(evaluation))
    if json_out is not None:
        json_out.write_text(json.dumps(evaluation.to_json(), indent=2), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``benchmarks/privacy_timing.py``; returns the exit code."""
    command = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    command.command()(evaluate_timing)
    try:
        result = command(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.Exit as done:  # raised or returned, depending on the click version
        return done.exit_code
    return result if isinstance(result, int) else 0
