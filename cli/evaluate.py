"""``sanitizer evaluate-timing`` and ``sanitizer evaluate-mouse``: can people still be identified
from sanitized output, and what does training keep? The evaluation is ``privacy.evaluation``;
this is its command line, and ``main`` serves ``benchmarks/privacy_timing.py``.

Mouse has its own command rather than a flag of evaluate-timing: it reads another data set, has
its own protocol (windows across sessions) and options, and takes minutes on its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from privacy.evaluation import protocol, targets
from privacy.evaluation.mouse_eval import (
    MOUSE_POLICIES,
    QUICK_MINUTES,
    kept_table,
    run_mouse_evaluation,
)
from privacy.evaluation.mouse_eval import scores_table as mouse_scores_table
from privacy.evaluation.runs import POLICIES
from privacy.evaluation.simulated import MINUTES
from privacy.evaluation.timing import (
    LETTERS,
    QUICK_PARTICIPANTS,
    retention_table,
    run_evaluation,
    scores_table,
    simulated_table,
)

PolicyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--policy",
        help="policy to evaluate (repeatable): raw, builtin:NAME (default, strict, loose, "
        "per-event), NAME, or a policy file",
    ),
]
JsonOption = Annotated[
    Path | None, typer.Option("--json", help="also write the results as JSON here")
]


def _console() -> Console:
    return Console(width=max(Console().width, 150))


def evaluate_timing(
    participants: Annotated[
        int | None, typer.Option(help="use only the first N participants (default: all 300)")
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(help=f"small run: {QUICK_PARTICIPANTS} participants, 2 min of simulator"),
    ] = False,
    policy: PolicyOption = None,
    letters: Annotated[
        list[str] | None,
        typer.Option(
            help="empty LETTERs 'restored' from key codes and/or as 'logged' "
            "(Unidentified); repeatable; default both"
        ),
    ] = None,
    query: Annotated[
        list[str] | None,
        typer.Option(help="query size (repeatable): half (the target's), sentence; default both"),
    ] = None,
    submit: Annotated[
        bool,
        typer.Option(help="end each sentence with the Enter that submitted it (not in the logs)"),
    ] = False,
    simulator_minutes: Annotated[
        float, typer.Option(help="minutes of 50-user simulator traffic (0: skip)")
    ] = MINUTES,
    data_dir: Annotated[
        Path | None, typer.Option(help="the keystrokes-136m folder ($SANITIZER_KEYSTROKES_DIR)")
    ] = None,
    json_out: JsonOption = None,
    seed: Annotated[int, typer.Option(help="seed of the sentence split and the forest")] = 0,
) -> None:
    """Measure how well typists are identified from raw and sanitized keystroke timing, and
    what training keeps of the simulator's traffic; every target's figure with its verdict."""
    console, err = _console(), Console(stderr=True)
    count = QUICK_PARTICIPANTS if quick and participants is None else participants
    minutes = 2.0 if quick and simulator_minutes == MINUTES else simulator_minutes
    for value, known in [(v, LETTERS) for v in letters or ()] + [
        (v, protocol.QUERY_SIZES) for v in query or ()
    ]:
        if value not in known:
            console.print(f"[red]{value!r}: expected one of {', '.join(known)}[/red]")
            raise typer.Exit(2)
    try:
        evaluation = run_evaluation(
            count, tuple(policy or POLICIES), data_dir=data_dir, seed=seed,
            letters=tuple(letters or LETTERS), simulator_minutes=minutes or None,
            queries=tuple(query or protocol.QUERY_SIZES), submit=submit,
            progress=lambda text: err.print(f"[dim]… {text}[/dim]"),
        )  # fmt: skip
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    for load in evaluation.loads:
        console.print(
            f"136M Keystrokes (Dhakal et al., CHI 2018), letters {load.letters}: {load.files} "
            f"files, {load.rows} rows, {load.malformed_rows} malformed rows skipped, "
            f"{load.latin1_files} files read as Latin-1, {load.unidentified_keys} keys "
            "Unidentified"
        )
    console.print(scores_table(evaluation))
    console.print(retention_table(evaluation))
    if evaluation.simulated:
        console.print(simulated_table(evaluation))
    console.print(targets.table(evaluation.verdicts()))
    if json_out is not None:
        json_out.write_text(json.dumps(evaluation.to_json(), indent=2), encoding="utf-8")


def evaluate_mouse(
    policy: PolicyOption = None,
    minutes: Annotated[
        float | None,
        typer.Option(help="only each session's first N minutes (default: all 40)"),
    ] = None,
    quick: Annotated[
        bool, typer.Option(help=f"first {QUICK_MINUTES:g} min of each session")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="the mouse-balabit folder ($SANITIZER_MOUSE_DIR)")
    ] = None,
    json_out: JsonOption = None,
    seed: Annotated[int, typer.Option(help="seed of the forest")] = 0,
) -> None:
    """Measure how well mouse users are identified from 2-minute windows of sanitized output
    (Balabit data, windows from other sessions) and how faithful clicks stay."""
    console, err = _console(), Console(stderr=True)
    try:
        evaluation = run_mouse_evaluation(
            tuple(policy or MOUSE_POLICIES),
            QUICK_MINUTES if quick and minutes is None else minutes,
            data_dir,
            seed,
            progress=lambda text: err.print(f"[dim]… {text}[/dim]"),
        )
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    load = evaluation.load
    console.print(
        f"Balabit Mouse Dynamics Challenge (Fülöp et al. 2016): {load.users} users, "
        f"{load.sessions} sessions, {load.events} events, {load.sentinel_rows} sentinel rows "
        "dropped"
    )
    console.print(mouse_scores_table(evaluation))
    console.print(kept_table(evaluation))
    console.print(targets.table(evaluation.verdicts()))
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
