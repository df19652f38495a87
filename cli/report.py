"""``sanitizer report``: one self-contained HTML page on what the policies protect and cost.
The measuring and rendering is ``privacy.report``; this is its command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from privacy.evaluation.keystrokes import load_participants
from privacy.evaluation.timing import QUICK_PARTICIPANTS, run_evaluation
from privacy.report import measure_exposure, render


def report(
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("privacy-report.html"),
    results: Annotated[
        Path | None, typer.Option(help="scores from `evaluate-timing --json` (else measured)")
    ] = None,
    participants: Annotated[int | None, typer.Option(help="first N participants only")] = None,
    quick: Annotated[bool, typer.Option(help=f"{QUICK_PARTICIPANTS} participants")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="the keystrokes-136m folder")] = None,
    window_minutes: Annotated[int, typer.Option(help="k-anonymity window")] = 60,
) -> None:
    """Write one self-contained HTML privacy report (plots inline)."""
    import matplotlib

    matplotlib.use("Agg")
    console = Console()
    count = QUICK_PARTICIPANTS if quick and participants is None else participants
    try:
        people, _ = load_participants(data_dir, count)
        if results is not None:
            data = json.loads(results.read_text(encoding="utf-8"))
        else:
            data = run_evaluation(count, data_dir=data_dir).to_json()
    except (FileNotFoundError, json.JSONDecodeError) as error:
        console.print(f"[red]report: {error}[/red]")
        raise typer.Exit(2) from None
    intervals, shares = measure_exposure(people, window_minutes * 60_000)
    out.write_text(render(data, intervals, shares, window_minutes * 60_000), encoding="utf-8")
    console.print(f"report written to {out}")
