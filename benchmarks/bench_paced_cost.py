"""What a paced load costs the worker per event, against draining the same events.

``bench_e2e.py`` takes the worker's maximum from a drain of a backlog, then paces a load at half
of it and measures latency. Paced, an event costs the worker more CPU than drained, so half the
maximum can take most of a core. This benchmark separates the events from the pacing: the events
of the latency run (``bench_e2e.paced_load``) are drained from a backlog by a fresh worker, then
paced at ``--rate`` through another fresh worker, after the same warm-up as bench_e2e's latency
run, alternating ``--rounds`` times on one broker. Each round prints both, and the end prints

    ratio paced/drained CPU per event <shape>: X   (median of the rounds)

Then the pipeline alone, in-process, with no Kafka and every cache warm, on the first
``--in-process-events`` of the same events: all at once, against bursts of N messages (each of
``--bursts``), alternating, CPU time of the bursts per event. Between bursts either the process
sleeps ``--gap-ms`` (the host runs others meanwhile) or it sweeps ``--sweep-mb`` of memory (other
code's data evicts the pipeline's from the caches, as the worker's Kafka machinery does between
its batches):

    ratio bursts of N (<gap> between)/tight CPU per event in-process <shape>: X

These ratios say how much of the first one the same Python code costing more per event, when it
runs in bursts, can account for, with no Kafka machinery counted. Run:

    .venv/bin/python benchmarks/bench_paced_cost.py [--shape flush] [--rate 30000] [--rounds 2]

Numbers are from one run, all systems on the same machine and data; no asserts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import e2e_harness as h
from bench_e2e import WARM_UP_SECONDS, paced_load, run_latency, run_sanitizer

from localdev.kafka import LocalKafka
from localdev.synthetic.message import Message
from transforms.pipeline import Pipeline

Gap = Callable[[], None]


def in_process_cpu_us(
    pipeline: Pipeline, values: list[bytes], events: int, burst: int, gap: Gap | None
) -> float:
    """CPU microseconds per event to sanitize ``values`` in bursts of ``burst`` messages with
    ``gap`` run after each (None: all at once). The gaps' own CPU is not counted."""
    routed = 0.0
    for start in range(0, len(values), burst):
        started = time.process_time()
        for value in values[start : start + burst]:
            pipeline.sanitize_message(value)
        routed += time.process_time() - started
        if gap is not None:
            gap()
    return routed / events * 1e6


def gaps(sleep_s: float, sweep_mb: int) -> dict[str, Gap]:
    """What runs between bursts: an idle sleep (the host may run others on this CPU meanwhile),
    or a sweep that writes a line of every 64 bytes of ``sweep_mb`` MB (other code's data
    evicting the pipeline's from the caches, as the worker's Kafka machinery does)."""
    memory = bytearray(sweep_mb << 20)
    ones = b"\x01" * len(memory[::64])

    def sweep() -> None:
        memory[::64] = ones

    return {
        f"{sleep_s * 1000:g} ms asleep": lambda: time.sleep(sleep_s),
        f"{sweep_mb} MB swept": sweep,
    }


def in_process(
    name: str,
    messages: list[Message],
    directory: Path,
    bursts: list[int],
    between: dict[str, Gap],
    rounds: int,
) -> None:
    pipeline = h.pipeline_for(directory)
    values = [message.value() for message in messages]
    events = sum(len(message.events) for message in messages)
    in_process_cpu_us(pipeline, values, events, len(values), None)  # every cache warm
    for burst in bursts:
        for label, gap in between.items():
            tight, bursty = [], []
            for _ in range(rounds):  # alternating: the host's speed drifts within seconds
                tight.append(in_process_cpu_us(pipeline, values, events, len(values), None))
                bursty.append(in_process_cpu_us(pipeline, values, events, burst, gap))
            print(
                f"in-process, {events:,} events: all at once "
                f"{' / '.join(f'{x:.1f}' for x in tight)} CPU-us/event; bursts of {burst} "
                f"messages, {label} between: {' / '.join(f'{x:.1f}' for x in bursty)}"
            )
            ratio = statistics.median(bursty) / statistics.median(tight)
            print(
                f"ratio bursts of {burst} ({label} between)/tight CPU per event in-process "
                f"{name}: {ratio:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="flush", choices=h.SHAPES)
    parser.add_argument("--rate", type=float, default=30_000, help="paced events/s")
    parser.add_argument("--seconds", type=float, default=15.0, help="of measured paced load")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm-up-seconds", type=float, default=WARM_UP_SECONDS)
    parser.add_argument(
        "--bursts", default="2,20,80", help="messages per in-process burst, comma-separated"
    )
    parser.add_argument("--gap-ms", type=float, default=1.0, help="sleep between bursts")
    parser.add_argument("--sweep-mb", type=int, default=8, help="memory swept between bursts")
    parser.add_argument("--in-process-rounds", type=int, default=5)
    parser.add_argument(
        "--in-process-events", type=int, default=100_000, help="the first of the measured events"
    )
    args = parser.parse_args()
    print(f"machine: {h.machine()}")
    messages = paced_load(args.shape, h.MEASURED_SEED, args.rate, args.seconds)
    with tempfile.TemporaryDirectory(prefix="bench-paced-") as tmp:
        workdir = Path(tmp)
        directory = workdir / "directory.csv"  # where the workers of bench_e2e read it
        h.write_directory(h.MEASURED_SEED, directory)
        if args.rounds:  # 0: the in-process part alone
            drained_and_paced(args, messages, workdir)
        first = list(h.limit_events(messages, args.in_process_events))
        bursts = [int(b) for b in args.bursts.split(",")]
        between = gaps(args.gap_ms / 1000, args.sweep_mb)
        in_process(args.shape, first, directory, bursts, between, args.in_process_rounds)


def drained_and_paced(args: argparse.Namespace, messages: list[Message], workdir: Path) -> None:
    h.ensure_paced_producer()
    ratios = []
    # The outputs the events must give are the same every round: computed once.
    events = h.dataset_of(args.shape, messages, workdir / "directory.csv")
    with LocalKafka() as kafka:
        bootstrap = kafka.bootstrap
        for round_ in range(1, args.rounds + 1):
            ds = replace(events, topic=f"bench-raw-{args.shape}-{uuid.uuid4().hex[:6]}")
            h.produce(bootstrap, ds)
            drained = run_sanitizer(bootstrap, ds, workdir)
            paced = run_latency(
                bootstrap, args.shape, args.rate, args.seconds, workdir, args.warm_up_seconds
            )
            paced_us = paced["worker_cpu_us_per_event"]
            ratios.append(paced_us / drained.cpu_s_per_million)
            print(
                f"round {round_}: drained {drained.events_per_s:,.0f} events/s at "
                f"{drained.cpu_s_per_million:.1f} CPU-us/event; paced "
                f"{paced['offered_events_per_s']:,.0f} events/s "
                f"({paced['offered_events_per_s'] / drained.events_per_s:.0%} of the drain) at "
                f"{paced_us:.1f} CPU-us/event, {paced['worker_core_share']:.0%} of a core, "
                f"p50 {paced['p50_ms']:.0f} ms, p99 {paced['p99_ms']:.0f} ms",
                flush=True,
            )
    print(f"ratio paced/drained CPU per event {args.shape}: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
