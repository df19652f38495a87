"""``sanitizer demo``: the whole service on this machine in half a minute, then cleaned away.
The orchestration is ``localdev.demo``; this is its command line."""

from __future__ import annotations

import signal
from contextlib import ExitStack
from types import FrameType
from typing import Annotated

import typer

from localdev.demo import console, run_demo
from localdev.demo_view import next_steps
from localdev.worker_process import WorkerError


def demo(
    seconds: Annotated[float, typer.Option(min=1, help="How long to feed traffic.")] = 25.0,
    users: Annotated[int, typer.Option(min=1, help="Simulated people.")] = 12,
    rate: Annotated[float, typer.Option(min=1, help="Raw events/s to produce.")] = 1500.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 0,
) -> None:
    """Run the pipeline end to end on this machine: broker, worker, simulated traffic."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with ExitStack() as stack:
            run_demo(stack, seconds, users, rate, seed)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: worker and broker stopped[/]")
        raise typer.Exit(130) from None
    except WorkerError as error:
        console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print("[green]✓[/] worker and broker stopped")
    next_steps(console)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the ExitStack: worker, then broker, stop
