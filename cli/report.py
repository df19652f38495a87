"""``sanitizer report``: one self-contained HTML page with the verdict of every privacy target.
The measuring is ``privacy.report_measure``, the rendering ``privacy.report``; this is its
command line.

By default it measures a sample sized to finish in about a minute within 1 GB (see
``privacy.report_measure.SAMPLE``); ``--full`` measures the whole data sets (tens of minutes), and
``--results`` takes figures already measured by ``evaluate-timing --json`` or
``evaluate-mouse --json`` instead of measuring them again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from privacy.report import render
from privacy.report_measure import FULL, SAMPLE, Progress, coverage, measure


def _version() -> str:
    try:
        return version("interaction-sanitizer")
    except PackageNotFoundError:
        return "unknown"


def report(
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("privacy-report.html"),
    results: Annotated[
        list[Path] | None,
        typer.Option(
            help="JSON of `evaluate-timing --json` or `evaluate-mouse --json` "
            "(repeatable); what they hold is not measured again"
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option(help="measure the whole data sets, every built-in policy (slow)")
    ] = False,
    policy: Annotated[
        list[str] | None, typer.Option(help="policies to measure (repeatable; raw, NAME, FILE)")
    ] = None,
) -> None:
    """Write one self-contained HTML privacy report: verdicts, keystrokes, mouse, retention,
    k-anonymity. Progress goes to stderr."""
    import matplotlib

    matplotlib.use("Agg")
    console = Console()
    plan = FULL if full else SAMPLE
    data: dict[str, Any] = {}
    progress = Progress()
    try:
        for path in results or ():
            loaded = json.loads(path.read_text(encoding="utf-8"))
            data["mouse" if "windows" in loaded else "timing"] = loaded
        data |= measure(
            plan, policy, progress,
            timing="timing" not in data, mouse="mouse" not in data,
        )  # fmt: skip
    except (FileNotFoundError, json.JSONDecodeError) as error:
        console.print(f"[red]report: {error}[/red]")
        raise typer.Exit(2) from None
    scope = coverage({**plan, "policies": tuple(policy or plan["policies"])})
    if results:
        scope += f" Figures from {', '.join(p.name for p in results)} are used as measured."
    data["meta"] = {
        "version": _version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "coverage": scope,
    }
    progress("rendering")
    out.write_text(render(data), encoding="utf-8")
    console.print(f"report written to {out}")
