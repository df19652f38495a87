"""``sanitizer audit``: scan sanitized output (a file or a topic) for secrets we know of.
The scanning is ``privacy.audit``; this is its command line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.errors import reporting_errors, stderr
from transforms.directory import Directory, DirectoryError


def audit(
    sanitized: Annotated[
        Path | None,
        typer.Argument(help="sanitized output, JSONL", exists=True, dir_okay=False),
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="audit this Kafka topic instead of a file")
    ] = None,
    bootstrap: Annotated[
        str | None, typer.Option(help="brokers for --topic (default: SANITIZER_BOOTSTRAP_SERVERS)")
    ] = None,
    canaries: Annotated[
        Path | None, typer.Option(help="file of canary strings, one per line")
    ] = None,
    raw_ids: Annotated[
        Path | None, typer.Option(help="file of raw identifiers (logins, hosts), one per line")
    ] = None,
    directory: Annotated[
        Path | None, typer.Option(help="employee directory CSV (display_name,email,login)")
    ] = None,
    presidio: Annotated[bool, typer.Option(help="run every Presidio recognizer")] = True,
    max_shown: Annotated[int, typer.Option(help="findings printed at most")] = 50,
) -> None:
    """Scan sanitized output for canaries, raw identifiers, directory entries and PII.
    Exits 1 on any finding, naming line and field but never the whole secret."""
    # Imported here: Presidio takes seconds to import, and every other command would pay it.
    from privacy.audit import NeedleSet, Scanner, read_needles, topic_records
    from privacy.audit import values_noting_location as noting

    console = Console()
    if (sanitized is None) == (topic is None):
        console.print("[red]audit: give a sanitized JSONL file or --topic, not both[/red]")
        raise typer.Exit(2)
    try:
        people = Directory.from_csv(directory) if directory else None
        needles = [
            NeedleSet("canary", read_needles(canaries)),
            NeedleSet("raw identifier", read_needles(raw_ids)),
        ]
    except (DirectoryError, OSError, UnicodeDecodeError) as error:
        console.print(f"[red]audit: {error}[/red]")
        raise typer.Exit(2) from None
    count = 0
    source = str(sanitized) if sanitized is not None else f"topic {topic}"
    unit = "lines" if sanitized is not None else "records"
    read = [0]
    with ExitStack() as stack:
        stack.enter_context(reporting_errors())
        where: list[str] = []
        if sanitized is not None:
            lines: Iterable[bytes] = stack.enter_context(sanitized.open("rb"))
        else:
            assert topic is not None
            lines = noting(topic_records(topic, bootstrap), where)  # connects now
        scanner = Scanner(needles, people, presidio=presidio)
        lines = _counting(lines, read, stack, unit)
        for finding in scanner.scan_lines(lines):
            count += 1
            if count <= max_shown:
                at = f" (record at partition/offset {where[finding.line - 1]})" if where else ""
                console.print(finding.describe() + at, markup=False)
    scanned = f"{read[0]:,} {unit[:-1] if read[0] == 1 else unit} of {source}"
    if count:
        console.print(f"[red]audit: {count} finding(s) in {scanned}[/red]")
        raise typer.Exit(1)
    console.print(f"audit: no findings in {scanned}", markup=False)


def _counting(
    lines: Iterable[bytes], read: list[int], stack: ExitStack, unit: str
) -> Iterator[bytes]:
    """The lines, counted into ``read[0]``, with a live count on a terminal (Presidio takes
    about a millisecond a line: a large file or topic takes minutes)."""
    progress = None
    if stderr.is_terminal:
        columns = (SpinnerColumn(), TextColumn("scanned {task.completed:,.0f} " + unit),
                   TimeElapsedColumn())  # fmt: skip
        progress = stack.enter_context(Progress(*columns, console=stderr, transient=True))
        task = progress.add_task("audit", total=None)
    for line in lines:
        read[0] += 1
        if progress is not None and read[0] % 500 == 0:
            progress.update(task, completed=read[0])
        yield line
