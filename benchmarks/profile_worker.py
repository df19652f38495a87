"""Where the sanitizing worker's CPU goes: py-spy samples a worker draining a pre-produced topic.

Starts a local broker, produces one message shape of the simulator's events (e2e_harness), starts
one worker as bench_e2e does, and records it with py-spy (the ``bench`` extra) from its first
output to its last. Prints the share of samples per area (Faust and aiokafka's consume path,
the producer, decode, the policy's stages, routing, encode, metrics, the event loop) and the
top functions by own time. Run:

    .venv/bin/python benchmarks/profile_worker.py [--shape single] [--events 100000]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import e2e_harness as h
from bench_e2e import start_workers

from localdev.kafka import LocalKafka

# Areas by where a sampled stack's innermost frame of interest lies, checked in this order.
AREAS = (
    ("stages (transforms/*)", ("transforms/",), ("typed_decode.py", "pipeline.py", "event.py")),
    ("decode + validate", ("typed_decode.py", "transforms/event.py"), ()),
    ("pipeline loop", ("transforms/pipeline.py",), ()),
    ("routing + encode", ("streams/routing.py", "streams/optout.py"), ()),
    ("metrics", ("streams/metrics.py", "prometheus_client"), ()),
    ("publisher / producer", ("streams/publisher.py", "aiokafka/producer"), ()),
    ("agent", ("streams/agents.py",), ()),
    ("consumer (faust + aiokafka)", ("faust/", "aiokafka/", "mode/"), ()),
    ("event loop + other", ("",), ()),
)


def area_of(frames: list[str]) -> str:
    for name, include, exclude in AREAS:
        for frame in reversed(frames):  # innermost first
            if any(i in frame for i in include) and not any(e in frame for e in exclude):
                return name
    return "event loop + other"


def summarize(raw: Path, top: int) -> None:
    areas: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, samples = stack.split(";"), int(count)
        total += samples
        areas[area_of(frames)] += samples
        innermost = frames[-1]
        name, _, where = innermost.partition(" (")
        own[f"{name} ({where.rsplit('/', 1)[-1]}"] += samples
    print(f"{total:,} samples")
    for area, samples in areas.most_common():
        print(f"  {samples / total:6.1%}  {area}")
    print(f"top {top} functions by own time:")
    for function, samples in own.most_common(top):
        print(f"  {samples / total:6.1%}  {function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="single", choices=h.SHAPES)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory(prefix="profile-") as tmp, LocalKafka() as kafka:
        workdir, bootstrap = Path(tmp), kafka.bootstrap
        ds = h.build_dataset(args.shape, args.events, 7, workdir)
        h.produce(bootstrap, ds)
        raw = workdir / "worker.raw"
        with ExitStack() as stack:
            workers, outputs = start_workers(stack, bootstrap, ds.topic, 1, workdir)
            counter = h.OutputCounter(bootstrap, outputs)
            while counter.count() == 0:
                time.sleep(0.05)
            record = [py_spy, "record", "--pid", str(workers[0].pid), "--rate", str(args.rate)]
            spy = subprocess.Popen(
                [*record, "--format", "raw", "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while counter.count() < ds.outputs:
                time.sleep(0.1)
            spy.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
            spy.wait(timeout=30)
            counter.close()
        print(f"[{args.shape}] {ds.events:,} events in {len(ds.messages):,} messages")
        summarize(raw, args.top)


if __name__ == "__main__":
    main()
