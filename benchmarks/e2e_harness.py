"""Shared plumbing of the end-to-end benchmarks: broker, data sets, consumer runs, CPU.

A run measures one consumer process (our worker, the Faust passthrough, the Quix Streams app)
from offset 0 of a pre-produced topic with a fresh group id and fresh output topics. Progress is
the sum of the output topics' end offsets, polled every 0.1 s, against the exact count of
outputs the input must give (computed in-process with the same policy and key). The rate is
taken from the first output to the last, so process start-up and the group join are excluded;
CPU is the process's utime+stime over the same window, from /proc.

Size: the data sets, the producing and the measuring that bench_e2e, bench_peer and the
profiling scripts share, in one place so that every benchmark measures the same way.
"""

from __future__ import annotations

import os
import platform
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localdev.simulate import limit_events  # noqa: E402
from localdev.synthetic.message import Message, event_ms  # noqa: E402
from localdev.synthetic.pii import Employee, write_directory_csv  # noqa: E402
from localdev.synthetic.sessions import generate  # noqa: E402
from localdev.worker_process import WorkerProcess  # noqa: E402
from transforms.context import Context  # noqa: E402
from transforms.directory import Directory  # noqa: E402
from transforms.keyring import Keyring  # noqa: E402
from transforms.pipeline import Dropped, Pipeline, Sanitized  # noqa: E402
from transforms.policy import build_pipeline, load_policy  # noqa: E402

PARTITIONS = 4
HMAC_KEY = secrets.token_hex(32)  # throwaway: benchmark output is discarded


@dataclass
class Dataset:
    name: str
    topic: str
    messages: list[Message]
    events: int
    outputs: int  # sanitized + quarantined records the sanitizer must write
    sanitized: int  # sanitized records (a typing summary and the event that closed it: two)
    dropped: int  # events dropped by a policy rule


@dataclass
class RunResult:
    system: str
    dataset: str
    events_per_s: float
    cpu_s_per_million: float
    seconds: float
    workers: int = 1
    peak_rss_mb: float = 0.0  # the largest peak resident set of the processes measured

    def line(self) -> str:
        return (
            f"{self.system:<32} {self.dataset:<8} {self.workers} worker(s) "
            f"{self.events_per_s:>9,.0f} events/s {self.cpu_s_per_million:>6.1f} CPU-s/M events"
            f" ({self.events_per_s * self.cpu_s_per_million / 1e6 / self.workers:.0%} of a core"
            f" per process), peak RSS {self.peak_rss_mb:,.0f} MB, over {self.seconds:.1f} s"
        )


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) so far, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


BENCH_EXTRA_PRODUCER = "confluent-kafka>=2.6,<3"


def ensure_paced_producer() -> None:
    """The latency runs pace their load through librdkafka (latency_probe.PacedProducer): install
    it (the ``bench`` extra's confluent-kafka) into this virtualenv on first use."""
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        print(f"installing {BENCH_EXTRA_PRODUCER} (the bench extra), once", flush=True)
        install = [sys.executable, "-m", "pip", "install", "-q", BENCH_EXTRA_PRODUCER]
        subprocess.run(install, check=True)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as info:
        names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    return (
        f"{names[0] if names else cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def pipeline_for(directory: Path) -> Pipeline:
    """The worker's pipeline, in-process: default policy, same key, same directory."""
    context = Context(keyring=Keyring(HMAC_KEY.encode()), directory=Directory.from_csv(directory))
    return build_pipeline(load_policy(None), context)


# Three shapes of the same events: one event per message; the simulator's collector batches
# (key, focus, text and click events alone, mouse moves and scrolls in arrays); and what an agent
# that flushes once a second sends: each user's events of one second as one JSON array.
SHAPES = ("single", "batched", "flush")


def single_events(messages: list[Message]) -> list[Message]:
    """The same events, one per message (as if no collector batched)."""
    return [Message(m.key, m.ts, (event,), False) for m in messages for event in m.events]


def flush_batches(messages: list[Message]) -> list[Message]:
    """The same events, each user's events of one wall-clock second as one array, sent when
    the user's next second begins (per-user order kept; users interleave as in time)."""
    pending: dict[str, tuple[int, list[Any]]] = {}
    out: list[Message] = []
    for message in messages:
        for event in message.events:
            second = event_ms(event["ts"]) // 1000 if isinstance(event, dict) else -1
            held = pending.get(message.key)
            if held is not None and held[0] != second:
                out.append(Message(message.key, held[0] * 1000, tuple(held[1]), True))
                held = None
            if held is None:
                held = pending[message.key] = (second, [])
            held[1].append(event)
    out.extend(Message(key, s * 1000, tuple(events), True) for key, (s, events) in pending.items())
    return out


def reshape(messages: list[Message], shape: str) -> list[Message]:
    if shape == "single":
        return single_events(messages)
    if shape == "flush":
        return flush_batches(messages)
    if shape == "batched":
        return messages
    raise ValueError(f"unknown message shape {shape!r}; known: {', '.join(SHAPES)}")


# The seeds of the latency runs' events (bench_e2e.paced_load): measured, and the warm-up load.
MEASURED_SEED, WARM_UP_SEED = 99, 98


def write_directory(seed: int, path: Path) -> None:
    """The directory of the people of ``seed`` and of the latency runs' seeds. Each seed has
    people of its own: a worker whose directory lacks the people its events name has fewer
    names to replace, so it would be measured on easier work."""
    people: dict[str, Employee] = {}
    for each in (seed, MEASURED_SEED, WARM_UP_SEED):
        for person in generate(each, users=50)[0]:
            people.setdefault(person.email, person)
    write_directory_csv(list(people.values()), path)


def simulated(seed: int, events: int) -> list[Message]:
    """``events`` events of the simulator's 50 users, as its collectors batch them."""
    _, stream = generate(seed, users=50)
    return list(limit_events(stream, events))


def build_dataset(
    name: str, events: int, seed: int, workdir: Path, base: list[Message] | None = None
) -> Dataset:
    """``name`` is the message shape (one of SHAPES); ``base``, if given, is
    ``simulated(seed, events)`` already made (a million events take the simulator ~25 s)."""
    directory = workdir / "directory.csv"
    write_directory(seed, directory)
    messages = reshape(base if base is not None else simulated(seed, events), name)
    return dataset_of(name, messages, directory)


def dataset_of(name: str, messages: list[Message], directory: Path) -> Dataset:
    """``messages`` as a data set on a topic of its own, with the outputs they must give."""
    pipeline, outputs, sanitized, dropped = pipeline_for(directory), 0, 0, 0
    for message in messages:
        for outcome in pipeline.sanitize_message(message.value()):
            if type(outcome) is Sanitized:  # a typing summary is a record of its own
                outputs += len(outcome.events)
                sanitized += len(outcome.events)
            else:
                outputs += type(outcome) is not Dropped
                dropped += type(outcome) is Dropped
    topic = f"bench-raw-{name}-{uuid.uuid4().hex[:6]}"
    events = sum(len(message.events) for message in messages)
    return Dataset(name, topic, messages, events, outputs, sanitized, dropped)


def create_topics(bootstrap: str, names: list[str], partitions: int = PARTITIONS) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench")
    try:
        admin.create_topics(
            {name: {"num_partitions": partitions, "replication_factor": 1} for name in names},
            wait_for_metadata=True,
        )
    finally:
        admin.close()


def produce(bootstrap: str, dataset: Dataset) -> float:
    """Write the data set to its topic as fast as the producer goes; returns seconds.

    Through librdkafka (the ``bench`` extra's confluent-kafka, see ``ensure_paced_producer``):
    kafka-python's ~150 µs per message made a backlog of a million single events take minutes.
    The topic's layout is the one ``sanitizer simulate`` gives (``make_producer``: 20 ms linger,
    256 KiB batches), and keys go to partitions by Java's murmur2, as with kafka-python.
    """
    from latency_probe import PacedProducer

    create_topics(bootstrap, [dataset.topic])
    producer = PacedProducer(
        bootstrap, {"linger.ms": 20, "partitioner": "murmur2_random", "message.max.bytes": 4 << 20}
    )
    started = time.perf_counter()
    for message in dataset.messages:
        producer.send(dataset.topic, key=message.key.encode(), value=message.value())
    if producer.flush() > 0:
        raise RuntimeError(f"{dataset.topic}: not every message was delivered in 60 s")
    return time.perf_counter() - started


class Progress(Protocol):
    """How far a system under test got: output records, or committed input offsets."""

    def count(self) -> int: ...


class OutputCounter:
    """Sum of end offsets of some topics: how many records a consumer under test wrote."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="bench-counter")
        self.partitions = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]

    def count(self) -> int:
        return sum(self.consumer.end_offsets(self.partitions).values())

    def close(self) -> None:
        self.consumer.close()


def measure(
    process: WorkerProcess,
    counter: Progress,
    expected: int,
    events: int,
    system: str,
    dataset: str,
    timeout: float = 600.0,
    watch: list[WorkerProcess] | None = None,
    window: float | None = None,
) -> RunResult:
    """Wait for the first output, then for all of them, or for ``window`` seconds after the
    first if that comes sooner; rate and CPU over that window (the events it stands for are
    the input's events times the share of the expected outputs written within it)."""
    processes = watch or [process]
    deadline = time.monotonic() + timeout
    first = last = None
    while time.monotonic() < deadline:
        done = counter.count()
        now = time.monotonic()
        if done > 0 and first is None:
            first = (now, done, sum(p.cpu_seconds() for p in processes))
        if done >= expected or (window is not None and first and now - first[0] >= window):
            last = (now, done, sum(p.cpu_seconds() for p in processes))
            break
        if not all(p.running() for p in processes):
            raise RuntimeError(f"{system} exited early:\n{process.log_tail()}")
        time.sleep(0.1)
    if first is None or last is None:
        raise RuntimeError(f"{system} did not finish in {timeout:.0f} s:\n{process.log_tail()}")
    share = (last[1] - first[1]) / expected  # of the input processed inside the window
    seconds = max(last[0] - first[0], 1e-9)
    window_events = events * share
    cpu = (last[2] - first[2]) / max(window_events, 1) * 1e6
    rss = max(peak_rss_mb(p.pid) for p in processes)
    return RunResult(system, dataset, window_events / seconds, cpu, seconds, len(processes), rss)


def worker_env(
    bootstrap: str,
    raw: str,
    out: str,
    quarantine: str,
    group: str,
    directory: Path,
    port: int,
    workdir: Path,
) -> dict[str, str]:
    from localdev.worker_process import clean_environment

    return clean_environment(
        {
            "SANITIZER_BOOTSTRAP_SERVERS": bootstrap,
            "SANITIZER_HMAC_KEY": HMAC_KEY,
            "SANITIZER_RAW_TOPIC": raw,
            "SANITIZER_SANITIZED_TOPIC": out,
            "SANITIZER_QUARANTINE_TOPIC": quarantine,
            "SANITIZER_CONSUMER_GROUP": group,
            "SANITIZER_DIRECTORY_PATH": str(directory),
            "SANITIZER_METRICS_PORT": str(port),
            "SANITIZER_WEB_BIND": "127.0.0.1",
            "SANITIZER_PARTITIONS": str(PARTITIONS),
            "SANITIZER_DATA_DIR": str(workdir / f"worker-{group}"),
            "SANITIZER_LOG_LEVEL": "warning",
        }
    )
