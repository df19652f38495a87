"""What exactly-once costs: one worker at-least-once against one worker exactly-once, same input.

For each data set (collector batches; single-event messages) the topic is produced once, then a
worker reads it from offset 0 with a fresh group and fresh output topics, once with
``SANITIZER_PROCESSING_GUARANTEE=at_least_once`` (the baseline) and once with ``exactly_once``.
Done means visible to a downstream consumer of that mode: at-least-once when every output is
in the output topics (their end offsets), exactly-once when the group's committed raw offsets
reach the end (the offsets commit in the same transaction as the outputs, and end offsets would
also count transaction markers). Run:

    .venv/bin/python benchmarks/bench_delivery.py [--events 100000] [--datasets batched,single]

Prints one line per run and ``ratio exactly_once/at_least_once <data set>: X`` (events/s).
Numbers are from one run on this machine; no asserts.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

import e2e_harness as h
from kafka import KafkaConsumer, TopicPartition

from localdev.kafka import LocalKafka
from localdev.worker_process import WorkerProcess, free_port, worker_command


class CommittedCounter:
    """Sum of a group's committed offsets on a topic: raw messages processed and committed."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        self.partitions = [TopicPartition(topic, p) for p in range(h.PARTITIONS)]

    def count(self) -> int:
        return sum(self.consumer.committed(tp) or 0 for tp in self.partitions)

    def close(self) -> None:
        self.consumer.close()


def run_worker(bootstrap: str, ds: h.Dataset, workdir: Path, guarantee: str) -> h.RunResult:
    run = uuid.uuid4().hex[:6]
    out, quarantine, group = f"bench-san-{run}", f"bench-q-{run}", f"sanitizer-{run}"
    h.create_topics(bootstrap, [out, quarantine])
    port = free_port()
    env = h.worker_env(
        bootstrap, ds.topic, out, quarantine, group, workdir / "directory.csv", port, workdir
    )
    env["SANITIZER_PROCESSING_GUARANTEE"] = guarantee
    with ExitStack() as stack:
        log = workdir / f"{group}.log"
        worker = stack.enter_context(WorkerProcess(worker_command(), env, log, port))
        if guarantee == "exactly_once":
            counter: h.OutputCounter | CommittedCounter = CommittedCounter(
                bootstrap, group, ds.topic
            )
            expected = len(ds.messages)
        else:
            counter, expected = h.OutputCounter(bootstrap, [out, quarantine]), ds.outputs
        result = h.measure(worker, counter, expected, ds.events, f"worker {guarantee}", ds.name)
        counter.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--datasets", default="batched,single")
    args = parser.parse_args()
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp, LocalKafka() as kafka:
        workdir, bootstrap = Path(tmp), kafka.bootstrap
        for name in args.datasets.split(","):
            ds = h.build_dataset(name, args.events, 7, workdir)
            seconds = h.produce(bootstrap, ds)
            print(
                f"\n[{name}] {ds.events:,} events in {len(ds.messages):,} messages; "
                f"produced in {seconds:.1f} s"
            )
            base = run_worker(bootstrap, ds, workdir, "at_least_once")
            print(base.line())
            eos = run_worker(bootstrap, ds, workdir, "exactly_once")
            print(eos.line())
            print(
                f"ratio exactly_once/at_least_once {name}: "
                f"{eos.events_per_s / base.events_per_s:.2f} events/s, "
                f"{eos.cpu_s_per_million / base.cpu_s_per_million:.2f} CPU per event"
            )


if __name__ == "__main__":
    main()
