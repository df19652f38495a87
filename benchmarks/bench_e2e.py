"""End to end on the local broker: the sanitizing worker against a naive Faust passthrough.

For each message shape of the same events (``single``: one event per message; ``batched``: the
simulator's collector batches; ``flush``: each user's events of one second as one array, as an
agent that flushes once a second sends them) the same topic content is produced once, then each
consumer reads it from offset 0 with a fresh group id for ``--drain-seconds`` from its first
output (or until it has written every output, if that comes first): events/s, CPU-seconds per
million events and peak RSS of the consumer process. The worker drains ``--drains`` times (a
fresh worker and group each time), and its maximum is the median drain. The backlog is long
enough that a drain lasts as long as the paced run's measured part: this host's speed changes
by up to 2x from one second to the next, and a drain of a few seconds (200,000 events, up to
run 16) sampled one phase of it while the paced run lasts a minute, so half of a maximum taken
in a fast phase could be a whole core paced (docs/benchmarks.md, runs 16 and 17). Then a paced
run at 50 % of that maximum gives the raw-produce to sanitized-consume latency (see
latency_probe.py for how outputs are matched to inputs). Each shape prints one line
``ratio worker/passthrough <shape>: X``.
With ``--scaling``, one worker against two on the 4-partition batched topic. Run:

    .venv/bin/python benchmarks/bench_e2e.py [--events 1500000] [--drain-seconds 15] [--drains 3]
        [--latency-seconds 15] [--scaling]

Numbers are from one run, all systems on the same machine and data; no asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import e2e_harness as h

from localdev.kafka import LocalKafka
from localdev.synthetic.message import Message
from localdev.synthetic.sessions import generate
from localdev.worker_process import WorkerProcess, clean_environment, free_port, worker_command

BENCH_DIR = Path(__file__).resolve().parent
# Seconds of the same load from other users before the measured latency: the local broker's JIT
# compiler works through the first ~40 s of paced load (docs/benchmarks.md, run 11).
WARM_UP_SECONDS = 45.0


def run_passthrough(
    bootstrap: str, ds: h.Dataset, workdir: Path, window: float | None = None
) -> h.RunResult:
    sink = f"bench-pass-{uuid.uuid4().hex[:6]}"
    h.create_topics(bootstrap, [sink])
    env = clean_environment(
        {
            "PASSTHROUGH_BOOTSTRAP": bootstrap,
            "PASSTHROUGH_SOURCE": ds.topic,
            "PASSTHROUGH_SINK": sink,
            "PASSTHROUGH_GROUP": f"pass-{uuid.uuid4().hex[:6]}",
            "PASSTHROUGH_DATA_DIR": str(workdir / sink),
            "PASSTHROUGH_PARTITIONS": str(h.PARTITIONS),
        }
    )
    command = [
        sys.executable,
        str(BENCH_DIR / "passthrough_app.py"),
        "-L",
        "uvloop",
        "worker",
        "-l",
        "warn",
        "--web-port",
        str(free_port()),
        "--web-host",
        "127.0.0.1",
    ]
    counter = h.OutputCounter(bootstrap, [sink])
    with WorkerProcess(command, env, workdir / f"{sink}.log") as process:
        result = h.measure(
            process,
            counter,
            len(ds.messages),
            ds.events,
            "faust passthrough (per event)",
            ds.name,
            window=window,
        )
    counter.close()
    return result


def start_workers(
    stack: ExitStack, bootstrap: str, raw: str, count: int, workdir: Path
) -> tuple[list[WorkerProcess], list[str]]:
    run = uuid.uuid4().hex[:6]
    out, quarantine, group = f"bench-san-{run}", f"bench-q-{run}", f"sanitizer-{run}"
    h.create_topics(bootstrap, [out, quarantine])
    workers = []
    for index in range(count):
        port = free_port()
        env = h.worker_env(
            bootstrap, raw, out, quarantine, group, workdir / "directory.csv", port, workdir
        )
        log = workdir / f"{group}-{index}.log"
        workers.append(stack.enter_context(WorkerProcess(worker_command(), env, log, port)))
    return workers, [out, quarantine]


def _assigned(worker: WorkerProcess) -> bool:
    health = worker.health()
    partitions = health.get("raw_partitions", health.get("assigned_partitions"))
    return bool(partitions) and not health.get("rebalancing")


def run_sanitizer(
    bootstrap: str, ds: h.Dataset, workdir: Path, count: int = 1, window: float | None = None
) -> h.RunResult:
    with ExitStack() as stack:
        workers, outputs = start_workers(stack, bootstrap, ds.topic, count, workdir)
        if count > 1:  # measure once every worker holds partitions (after the rebalance)
            for worker in workers:
                worker.wait_healthy()
            while not all(_assigned(w) for w in workers):
                time.sleep(0.2)
        counter = h.OutputCounter(bootstrap, outputs)
        result = h.measure(
            workers[0],
            counter,
            ds.outputs,
            ds.events,
            "sanitizing worker (batched)",
            ds.name,
            watch=workers,
            window=window,
        )
        counter.close()
    return result


def median_drain(drains: list[h.RunResult]) -> h.RunResult:
    """The drain with the median events/s (the lower middle one of an even count)."""
    return sorted(drains, key=lambda drain: drain.events_per_s)[(len(drains) - 1) // 2]


def paced_load(shape: str, seed: int, rate: float, seconds: float) -> list[Message]:
    """``rate * seconds`` fresh events of the simulator (``h.write_directory`` knows its people)."""
    _, stream = generate(seed, users=50)
    return h.reshape(list(h.limit_events(stream, max(int(rate * seconds), 1))), shape)


def run_latency(
    bootstrap: str,
    name: str,
    rate: float,
    seconds: float,
    workdir: Path,
    warm_up_seconds: float = WARM_UP_SECONDS,
) -> dict[str, float]:
    from latency_probe import measure_latency

    # Other events first (other titles: the worker's caches are not primed on measured ones).
    messages = paced_load(name, h.MEASURED_SEED, rate, seconds)
    warm = paced_load(name, h.WARM_UP_SEED, rate, warm_up_seconds)
    raw = f"bench-lat-{name}-{uuid.uuid4().hex[:6]}"
    h.create_topics(bootstrap, [raw])
    with ExitStack() as stack:
        workers, outputs = start_workers(stack, bootstrap, raw, 1, workdir)
        workers[0].wait_healthy()
        pipeline = h.pipeline_for(workdir / "directory.csv")
        cpu = workers[0].cpu_seconds
        return measure_latency(bootstrap, raw, outputs[0], messages, pipeline, rate, warm, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=int,
        default=1_500_000,
        help="of the backlog; enough for --drain-seconds at the worker's fastest here",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=15.0,
        help="each consumer's measured window, from its first output (0: the whole backlog)",
    )
    parser.add_argument("--drains", type=int, default=3, help="worker drains; the median is max")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--scaling", action="store_true", help="also 1 vs 2 workers")
    parser.add_argument("--datasets", default=",".join(h.SHAPES), help="message shapes")
    parser.add_argument("--latency-fractions", default="0.5", help="of the max rate, e.g. 0.5,0.25")
    parser.add_argument(
        "--latency-warm-up-seconds",
        type=float,
        default=WARM_UP_SECONDS,
        help="of the same load from other users and events before the measured seconds",
    )
    args = parser.parse_args()
    h.ensure_paced_producer()
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp, LocalKafka() as kafka:
        workdir, bootstrap = Path(tmp), kafka.bootstrap
        window = args.drain_seconds or None
        base = h.simulated(7, args.events)  # the same events in every shape
        for name in args.datasets.split(","):
            ds = h.build_dataset(name, args.events, 7, workdir, base)
            seconds = h.produce(bootstrap, ds)
            print(
                f"\n[{name}] {ds.events:,} events in {len(ds.messages):,} messages "
                f"({ds.sanitized:,} sanitized records, {ds.outputs - ds.sanitized:,} "
                f"quarantined, {ds.dropped:,} events dropped); produced in {seconds:.1f} s"
            )
            passthrough = run_passthrough(bootstrap, ds, workdir, window)
            print(passthrough.line())
            drains = [
                run_sanitizer(bootstrap, ds, workdir, window=window) for _ in range(args.drains)
            ]
            for drain in drains:
                print(drain.line())
            ours = median_drain(drains)
            print(f"max {name} (median of {len(drains)} drains): {ours.events_per_s:,.0f} events/s")
            ratio = ours.events_per_s / passthrough.events_per_s
            target = "target >= 3" if name == "single" else "no target"
            print(f"ratio worker/passthrough {name}: {ratio:.2f}  ({target})")
            peak = max(drain.peak_rss_mb for drain in drains)
            print(f"peak RSS worker {name}: {peak:.0f} MB  (target <= 300 MB)")
            for fraction in (float(f) for f in args.latency_fractions.split(",")):
                rate = ours.events_per_s * fraction
                latency = run_latency(
                    bootstrap,
                    name,
                    rate,
                    args.latency_seconds,
                    workdir,
                    args.latency_warm_up_seconds,
                )
                print(
                    f"latency {name} at {latency['offered_events_per_s']:,.0f} events/s "
                    f"({latency['offered_events_per_s'] / ours.events_per_s:.0%} of max, "
                    f"{fraction:.0%} asked): p50 {latency['p50_ms']:.0f} ms, "
                    f"p99 {latency['p99_ms']:.0f} ms, max {latency['max_ms']:.0f} ms over "
                    f"{latency['samples']:,.0f} events, {latency['missing']:,.0f} missing, "
                    f"median drift first->last tenth {latency['drift_ms']:+.0f} ms; worker "
                    f"{latency['worker_cpu_us_per_event']:.0f} CPU-us/event, "
                    f"{latency['worker_core_share']:.0%} of a core"
                    "  (target p99 <= 250 ms at 50 %)"
                )
            if args.scaling and name == "batched":
                two = run_sanitizer(bootstrap, ds, workdir, count=2, window=window)
                print(two.line())
                print(f"scaling 2 workers / 1 worker: {two.events_per_s / ours.events_per_s:.2f}")


if __name__ == "__main__":
    main()
