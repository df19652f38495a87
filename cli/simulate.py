"""``sanitizer simulate``: synthetic collector traffic to a JSONL file or to the raw Kafka topic.
The traffic is ``localdev.synthetic`` and its pacing and producing ``localdev.simulate``; this is
the command line and its progress display."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cli.errors import reporting_errors
from localdev.simulate import (
    Compression,
    Pacer,
    limit_events,
    make_producer,
    send_messages,
    write_jsonl,
)
from localdev.synthetic import malformed
from localdev.synthetic.message import Message
from localdev.synthetic.pii import write_directory_csv
from localdev.synthetic.sessions import DEFAULT_START_MS, generate
from streams.settings import ServiceSettings, load_settings

if TYPE_CHECKING:
    from kafka import KafkaProducer

stderr = Console(stderr=True)


OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="JSONL file: one event a line.")
]
BootstrapOption = Annotated[
    str | None, typer.Option(help="Produce to Kafka at host:port[,...] instead of a file.")
]
TopicOption = Annotated[str | None, typer.Option(help="Kafka topic. Default: SANITIZER_RAW_TOPIC.")]
DurationOption = Annotated[
    float | None,
    typer.Option(
        help="Simulated time: seconds of activity per user, in the events' timestamps, not how "
        "long the command runs (default 60 unless --count). The run takes as long as --rate "
        "allows: with --rate 0, a second or two for 20 simulated seconds."
    ),
]
RateOption = Annotated[
    float,
    typer.Option(
        min=0,
        help="Real-time pace, events/s sent (0 = as fast as possible). The events are the same "
        "at any rate; the wall time is about events / rate.",
    ),
]
MalformedOption = Annotated[
    float,
    typer.Option(min=0, max=1, help="Share of events broken the way buggy collectors do."),
]
DirectoryOutOption = Annotated[
    Path | None,
    typer.Option(help="Write the employee directory CSV (users and coworkers) here."),
]
StartOption = Annotated[
    str | None,
    typer.Option(help="RFC 3339 start of simulated time. Default: a fixed time (reproducible)."),
]


@dataclass
class Tally:
    messages: int = 0
    events: int = 0
    batches: int = 0
    malformed: int = 0
    last_ts: int = 0

    def add(self, message: Message) -> None:
        self.messages += 1
        self.events += len(message.events)
        self.batches += message.batch
        self.malformed += len(message.malformed)
        self.last_ts = message.ts


def simulate(
    output: OutputOption = None,
    bootstrap: BootstrapOption = None,
    topic: TopicOption = None,
    users: Annotated[int, typer.Option(min=1, help="Simulated people.")] = 5,
    duration: DurationOption = None,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many events.")] = None,
    rate: RateOption = 0.0,
    seed: Annotated[int, typer.Option(help="Same seed, same events.")] = 0,
    malformed_rate: MalformedOption = 0.0,
    directory_out: DirectoryOutOption = None,
    compression: Annotated[Compression, typer.Option(help="Kafka compression.")] = Compression.none,
    start: StartOption = None,
) -> None:
    """Generate realistic raw interaction/v1 traffic, with synthetic PII, for trying things out."""
    if (output is None) == (bootstrap is None):
        raise typer.BadParameter("give exactly one of --output FILE or --bootstrap HOST:PORT")
    if duration is None and count is None:
        duration = 60.0
    start_ms = DEFAULT_START_MS
    if start is not None:
        try:
            start_ms = int(datetime.fromisoformat(start).timestamp() * 1000)
        except ValueError:
            raise typer.BadParameter("not an RFC 3339 time", param_hint="--start") from None
    people, stream = generate(seed, users, duration_s=duration, start_ms=start_ms)
    messages = malformed.inject(stream, malformed_rate, seed)
    if count is not None:
        messages = limit_events(messages, count)
    if directory_out is not None:
        write_directory_csv(people, directory_out)
        stderr.print(f"directory: {len(people)} people ({users} simulated) -> {directory_out}")

    producer, settings = _connect(bootstrap, compression) if bootstrap else (None, None)
    tally, pacer = Tally(), Pacer(rate)
    total = float(count) if count is not None else (duration or 0.0)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr, transient=False) as progress:
        task = progress.add_task("simulating", total=total, info="")

        def on_sent(message: Message) -> None:
            tally.add(message)
            if tally.messages % 200 == 0:
                done = tally.events if count is not None else (tally.last_ts - start_ms) / 1000
                speed = tally.events / max(time.perf_counter() - pacer.started, 1e-9)
                info = f"{tally.events:,} events, {tally.messages:,} msgs, {speed:,.0f} events/s"
                progress.update(task, completed=done, info=info)

        if output is not None:
            with output.open("wb") as out:
                write_jsonl(out, messages, pacer, on_sent)
        else:
            assert producer is not None and settings is not None
            with reporting_errors(settings, "--bootstrap"):
                try:
                    target = topic or settings.raw_topic
                    send_messages(producer, target, messages, pacer, on_sent)
                finally:
                    producer.close(timeout=10)
        progress.update(task, completed=total)
    seconds = time.perf_counter() - pacer.started
    stderr.print(
        f"{tally.events:,} events in {tally.messages:,} messages ({tally.batches:,} batches, "
        f"{tally.malformed:,} malformed) in {seconds:.1f} s = "
        f"{tally.events / seconds:,.0f} events/s"
    )


def _connect(bootstrap: str, compression: Compression) -> tuple[KafkaProducer, ServiceSettings]:
    """The producer, connected before any progress is shown: an unreachable broker is one line."""
    with reporting_errors():
        settings = load_settings(bootstrap_servers=bootstrap)
    with reporting_errors(settings, "--bootstrap"), stderr.status(f"connecting to {bootstrap}"):
        return make_producer(bootstrap, compression, settings), settings
