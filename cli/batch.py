"""Batch mode: ``sanitizer sanitize`` over JSONL files (backfills, replays, trying it out).

It runs the same pipeline as the streaming workers. Every input line ends in exactly one place:
the output (sanitized), the quarantine file (with its line number and a reason, and no raw
content unless asked), or a named drop rule counted in the summary.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn
from rich.table import Table

from cli.errors import EXIT_FOUND, fail, reporting_errors, stderr, warn
from cli.output_paths import clobbering_problem
from streams.runtime import SetupError, make_pipeline
from streams.settings import check_environment
from transforms.context import Context
from transforms.keyring import INSECURE_DEV_KEY, Keyring
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import PolicyError, build_pipeline, load_policy

# Above this share of quarantined lines a run warns: the input is probably not interaction/v1
# at all (a wrong file, a collector bug), and a pipeline should hear about it.
WARN_QUARANTINE_RATIO = 0.10

PolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy", "-p", metavar="POLICY", help="Policy file (YAML/TOML) or builtin:NAME."
    ),
]
DirectoryOption = Annotated[
    Path | None,
    typer.Option(
        "--directory", "-d", metavar="CSV", help="Employee directory CSV: display_name,email,login."
    ),
]
DevKeyOption = Annotated[
    bool,
    typer.Option(
        "--insecure-dev-key",
        help="Use a fixed, public key when no SANITIZER_HMAC_KEY is set. Never for real data.",
    ),
]


class BatchStats:
    def __init__(self) -> None:
        self.lines = 0
        self.outcomes: Counter[str] = Counter()
        self.summaries = 0  # extra lines: summaries written before the event that closed them

    @property
    def quarantined(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome.startswith("quarantined:"))

    def summary(self, seconds: float) -> Table:
        table = Table(title="sanitize summary", show_header=True, header_style="bold")
        table.add_column("outcome")
        table.add_column("count", justify="right")
        for outcome, count in sorted(self.outcomes.items()):
            table.add_row(outcome, str(count))
        rate = self.lines / seconds if seconds > 0 else 0.0
        sanitized = self.outcomes["sanitized"]
        dropped = sum(n for outcome, n in self.outcomes.items() if outcome.startswith("dropped:"))
        table.caption = (
            f"{self.lines} lines in {seconds:.2f} s = {rate:,.0f} events/s\n"
            f"valid events {sanitized + dropped} = sanitized {sanitized}"
            f" + dropped by a rule {dropped}"
            + (
                f"\n{self.summaries} summary lines written before the line that closed them"
                if self.summaries
                else ""
            )
        )
        return table


def sanitize_lines(
    lines: Iterator[bytes],
    pipeline: Pipeline,
    output: IO[bytes],
    quarantine: IO[bytes],
    stats: BatchStats,
    *,
    quarantine_raw: bool = False,
    dropped: IO[bytes] | None = None,
) -> None:
    """The batch data path: one line, one outcome, written where it belongs."""
    for number, line in enumerate(lines, start=1):
        stats.lines += 1
        outcome = pipeline.sanitize_json(line.rstrip(b"\r\n"))
        if type(outcome) is Sanitized:
            for event in outcome.events:  # a typing summary closed by this line comes first
                output.write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
            stats.outcomes["sanitized"] += 1
            stats.summaries += len(outcome.preceding)
        elif type(outcome) is Dropped:
            stats.outcomes[f"dropped:{outcome.rule}"] += 1
            if dropped is not None:
                ledger = {"line": number, "rule": outcome.rule}
                dropped.write(orjson.dumps(ledger, option=orjson.OPT_APPEND_NEWLINE))
        else:
            record: dict[str, object] = {"line": number, **outcome.as_record()}  # type: ignore[union-attr]
            if quarantine_raw:
                record["raw"] = line.decode("utf-8", "backslashreplace")
            quarantine.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            stats.outcomes[f"quarantined:{record['reason']}"] += 1


def _open_input(stack: ExitStack, source: str) -> tuple[IO[bytes], int | None]:
    if source == "-":
        return sys.stdin.buffer, None
    path = Path(source)
    try:
        handle = stack.enter_context(path.open("rb"))
        return handle, path.stat().st_size
    except OSError as error:
        raise fail(f"cannot read {source}: {error.strerror}") from None


def _open_output(stack: ExitStack, target: str) -> IO[bytes]:
    if target == "-":
        return sys.stdout.buffer
    try:
        return stack.enter_context(Path(target).open("wb"))
    except OSError as error:
        raise fail(f"cannot write {target}: {error.strerror}") from None


def _with_progress(handle: IO[bytes], size: int, progress: Progress) -> Iterator[bytes]:
    task = progress.add_task("sanitizing", total=size)
    done = 0
    for line in handle:
        yield line
        done += len(line)
        if done & 0xFFFF < len(line):  # refresh about every 64 KiB, not per line
            progress.update(task, completed=done)
    progress.update(task, completed=done)


def sanitize(
    input: Annotated[
        str, typer.Argument(help="JSONL input file, or - for stdin.", metavar="INPUT")
    ],
    output: Annotated[
        str,
        typer.Option("--output", "-o", metavar="FILE", help="Sanitized JSONL, or - for stdout."),
    ],
    quarantine: Annotated[
        str,
        typer.Option(
            "--quarantine",
            "-q",
            metavar="FILE",
            help="Quarantine JSONL (line number and reason), or - for stdout.",
        ),
    ],
    policy: PolicyOption = None,
    directory: DirectoryOption = None,
    insecure_dev_key: DevKeyOption = False,
    quarantine_raw: Annotated[
        bool,
        typer.Option("--quarantine-raw", help="Also copy the raw line into quarantine records."),
    ] = False,
    dropped: Annotated[
        str | None,
        typer.Option(
            "--dropped",
            metavar="FILE",
            help="Also write a ledger of valid events dropped by a policy rule: line and rule.",
        ),
    ] = None,
    max_quarantine_ratio: Annotated[
        float | None,
        typer.Option(
            "--max-quarantine-ratio",
            min=0.0,
            max=1.0,
            help="Exit 1 when more than this share of lines is quarantined (the outputs are "
            f"still written). Without it a run warns above {WARN_QUARANTINE_RATIO:.0%} "
            "and exits 0.",
        ),
    ] = None,
) -> None:
    """Sanitize a JSONL file of interaction/v1 events.

    Exit codes: 0 done (quarantined lines included); 1 more lines quarantined than
    --max-quarantine-ratio allows; 2 a bad policy, a missing key or an unusable file.
    """
    problem = clobbering_problem(
        input, {"--output": output, "--quarantine": quarantine, "--dropped": dropped}
    )
    if problem is not None:
        raise fail(problem)
    with reporting_errors():
        check_environment()
    try:
        pipeline = make_pipeline(policy, directory, insecure_dev_key=insecure_dev_key, warn=warn)
    except SetupError as error:
        raise fail(str(error)) from None
    stats = BatchStats()
    started = time.perf_counter()
    with ExitStack() as stack:
        source, size = _open_input(stack, input)
        out = _open_output(stack, output)
        quarantined = _open_output(stack, quarantine)
        ledger = _open_output(stack, dropped) if dropped else None
        lines: Iterator[bytes] = iter(source)
        if size is not None and stderr.is_terminal:
            progress = stack.enter_context(
                Progress(BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=stderr)
            )
            lines = _with_progress(source, size, progress)
        sanitize_lines(
            lines, pipeline, out, quarantined, stats, quarantine_raw=quarantine_raw, dropped=ledger
        )
    _report(stats, time.perf_counter() - started, input, max_quarantine_ratio)


def _report(stats: BatchStats, seconds: float, source: str, max_ratio: float | None) -> None:
    name = "stdin" if source == "-" else source
    if stats.lines == 0:
        stderr.print(f"0 lines in {name}: nothing to sanitize, empty outputs written")
        return
    stderr.print(stats.summary(seconds))
    ratio = stats.quarantined / stats.lines
    share = f"{stats.quarantined:,} of {stats.lines:,} lines ({ratio:.1%}) were quarantined"
    if max_ratio is not None and ratio > max_ratio:
        raise fail(f"{share}, more than --max-quarantine-ratio {max_ratio:g}", EXIT_FOUND)
    if ratio > WARN_QUARANTINE_RATIO:
        warn(f"{share}: is {name} interaction/v1 JSONL? The quarantine file says why.")


def check(
    policy: Annotated[
        str,
        typer.Argument(help="Policy file to validate (YAML or TOML), or builtin:NAME."),
    ],
) -> None:
    """Validate a policy without running it: structure, transforms and every config.

    Exit codes: 0 valid; 2 invalid (the message names the file, stage and field)."""
    try:
        loaded = load_policy(policy)
        # A throwaway key: checking a policy must not need the production secret.
        build_pipeline(loaded, Context(keyring=Keyring(INSECURE_DEV_KEY, "check")))
    except PolicyError as error:
        raise fail(str(error)) from None
    names = ", ".join(stage.stage_name for stage in loaded.stages)
    stderr.print(f"[green]ok[/] {policy}: {len(loaded.stages)} stages ({names})")
