"""Raw-produce to sanitized-consume latency, without any id surviving the sanitizer.

The sanitizer pseudonymizes event ids and floors timestamps (and the record timestamps it
writes), so no field of an output names its input. What survives is order: all events of a
user travel in one raw partition, one worker processes them in order, and their outputs share
one key (the user's pseudonym) and so one sanitized partition. Hence the k-th output with key K
is the k-th input event of the user whose pseudonym is K that the policy keeps (neither dropped
nor quarantined). We compute, in-process with the worker's key and policy, which input events
survive and their pseudonym; the producer records the wall-clock send time of every message
(paced at a fixed rate, through librdkafka: see PacedProducer); a consumer in a separate
process (so it does not share the producer's GIL) records the wall-clock receive time of every
output. Latency = receive - send, so it
includes the producer's linger (5 ms), the broker, the worker's batching window and the
consumer's fetch wait. The measured load is preceded by the same load of other events from
throwaway users (``warm_up``), whose outputs the consumer leaves out.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from uuid import uuid4

import orjson

from localdev.synthetic.message import Message
from transforms.pipeline import Pipeline, Sanitized


def _consume(
    bootstrap: str, topic: str, expected: int, skip: set[bytes], ready: Any, out: Connection
) -> None:
    # librdkafka, like the producer: kafka-python's poll loop took a fifth of a core here, on
    # the two cores the worker under test shares with the broker and the load.
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"latency-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 100,  # the broker answers as soon as a record arrives
        }
    )
    consumer.subscribe([topic])
    while not consumer.assignment():
        consumer.poll(0.1)
    ready.set()
    received: list[tuple[bytes | None, float]] = []
    deadline = None
    while len(received) < expected:
        # ``consume(n, timeout)`` waits for n records or the whole timeout, so it stamped
        # records up to 100 ms late (measured: 105 ms median for a lone record). ``poll``
        # returns with the first record; what has arrived with it is taken without waiting.
        first = consumer.poll(0.1)
        records = [] if first is None else [first, *consumer.consume(5000, timeout=0)]
        now = time.time()
        received.extend(
            (record.key(), now)
            for record in records
            if record.error() is None and record.key() not in skip
        )
        if out.poll():  # the producer is done: wait at most 30 s more
            deadline = deadline or now + 30
        if deadline is not None and now > deadline:
            break
    consumer.close()
    out.send(received)


# Enough throwaway users that the warm-up load reaches every raw partition.
WARM_UP_USERS = tuple(f"latency-warm-up-{index}" for index in range(16))


class PacedProducer:
    """The paced load's producer: librdkafka (confluent-kafka, the ``bench`` extra), a few
    microseconds of CPU per message, so that the offered rate is what was asked for even with
    one event per message (kafka-python's ~150 µs per message capped it at a fraction of the
    worker's rate on two cores, and took the worker's CPU). ``send`` and ``flush`` as
    kafka-python's."""

    def __init__(self, bootstrap: str, config: dict[str, str | int] | None = None) -> None:
        from confluent_kafka import Producer

        # Lingering 5 ms batches the load as a fleet of collectors would and spares the broker
        # (which shares the two cores) a request per few messages; the 5 ms count in every
        # latency, since send times are taken before the record is handed over. ``config``
        # overrides librdkafka settings (e2e_harness.produce writes whole backlogs with it).
        settings: dict[str, str | int] = {"linger.ms": 5, "acks": 1, "batch.size": 262144}
        self._producer = Producer({"bootstrap.servers": bootstrap, **settings, **(config or {})})
        self._unpolled = 0

    def send(self, topic: str, *, key: bytes, value: bytes) -> None:
        while True:
            try:
                self._producer.produce(topic, value=value, key=key)
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                self._producer.poll(0.01)
        self._unpolled += 1
        if self._unpolled >= 64:  # serve delivery reports now and then, not per message
            self._unpolled = 0
            self._producer.poll(0)

    def flush(self) -> int:
        """Wait up to 60 s for every delivery; returns how many messages are still undelivered."""
        return int(self._producer.flush(60))

    def close(self) -> None:
        self.flush()


def warm_up(producer: Any, raw: str, messages: list[Message], rate: float) -> None:
    """``messages`` (other events than the measured ones) first, at the measured rate and as
    throwaway users: startup is not what we measure. The worker's group settles, and the
    broker warms. It shares the two cores here, and a fresh broker's JIT compiler took 40-90 %
    of a core through the first ~40 s of paced load, then under 5 %. With 10 s of warm-up, the
    first shape's p99 took the broker's warm-up along (docs/benchmarks.md, run 11)."""
    payloads = []
    for index, message in enumerate(messages):
        user = WARM_UP_USERS[index % len(WARM_UP_USERS)]
        # Own users and sessions: stateful stages (per-session typing summaries, seq
        # renumbering) must see the measured users' events exactly as the replay does.
        events = [
            {**e, "user_id": user, "session_id": user, "event_id": str(uuid4())}
            for e in message.events
            if isinstance(e, dict)
        ]
        value = orjson.dumps(events if message.batch else events[0])
        payloads.append((user.encode(), value, len(message.events)))
    paced_send(producer, raw, payloads, rate)
    time.sleep(2.0)


def paced_send(
    producer: Any, raw: str, payloads: list[tuple[bytes, bytes, int]], rate: float
) -> tuple[list[float], float, int]:
    """Send ``(key, value, events)`` at ``rate`` events/s; return the wall-clock send time of
    each message, the seconds it took and the events sent."""
    sent: list[float] = []
    started, events = time.perf_counter(), 0
    for key, value, count in payloads:
        ahead = events / rate - (time.perf_counter() - started)
        if ahead > 0.001:  # a wake-up per millisecond at most, not one per message
            time.sleep(ahead)
        sent.append(time.time())
        producer.send(raw, key=key, value=value)
        events += count
    producer.flush()
    return sent, time.perf_counter() - started, events


def _warm_up_keys(pipeline: Pipeline, messages: list[Message]) -> set[bytes]:
    """The output keys (user pseudonyms) of the warm-up users, to leave their records out."""
    return {_output_key(pipeline, messages, user) for user in WARM_UP_USERS}


def _output_key(pipeline: Pipeline, messages: list[Message], user: str) -> bytes:
    for message in messages:
        for event in message.events:
            if isinstance(event, dict):
                probe = {**event, "user_id": user, "session_id": user}
                outcome = pipeline.sanitize(probe)
                if type(outcome) is Sanitized:
                    return str(outcome.event["user_id"]).encode()
    raise ValueError("the policy keeps no event of these messages")


def survivors(messages: list[Message], pipeline: Pipeline) -> dict[bytes, list[int]]:
    """Pseudonym -> for each output record with that key, in order, the index of the message
    it comes from (a typing summary is a second record of the message that closed its run)."""
    expected: dict[bytes, list[int]] = defaultdict(list)
    for index, message in enumerate(messages):
        for outcome in pipeline.sanitize_message(message.value()):
            if type(outcome) is Sanitized:
                for event in outcome.events:
                    expected[str(event["user_id"]).encode()].append(index)
    return expected


def measure_latency(
    bootstrap: str,
    raw: str,
    sanitized: str,
    messages: list[Message],
    pipeline: Pipeline,
    rate: float,
    warm_up_messages: list[Message],
    worker_cpu: Callable[[], float] = lambda: 0.0,
) -> dict[str, float]:
    """Produce ``warm_up_messages``, then ``messages``, at ``rate`` events/s; return the
    latency percentiles of ``messages`` in ms."""
    expected = survivors(messages, pipeline)
    total = sum(len(indexes) for indexes in expected.values())
    spawn = multiprocessing.get_context("spawn")
    ready, (mine, theirs) = spawn.Event(), spawn.Pipe()
    skip = _warm_up_keys(pipeline, messages)
    consumer = spawn.Process(
        target=_consume, args=(bootstrap, sanitized, total, skip, ready, theirs)
    )
    consumer.start()
    if not ready.wait(60):
        consumer.kill()
        raise RuntimeError("the latency consumer got no partitions in 60 s")
    producer = PacedProducer(bootstrap)
    warm_up(producer, raw, warm_up_messages, rate)
    # Encoded before the clock starts: the paced loop only sleeps, stamps and hands over.
    payloads = [(m.key.encode(), m.value(), len(m.events)) for m in messages]
    cpu_before = worker_cpu()
    sent, produce_seconds, events = paced_send(producer, raw, payloads, rate)
    # The worker's CPU while the paced load ran: per event, and as a share of one core.
    cpu_used = worker_cpu() - cpu_before
    producer.close()
    mine.send("done")
    received: list[tuple[bytes, float]] = mine.recv()
    consumer.join(10)
    seen: dict[bytes, int] = defaultdict(int)
    latencies = []
    for key, at in received:
        k = seen[key]
        seen[key] += 1
        if k < len(expected.get(key, ())):
            latencies.append((at - sent[expected[key][k]]) * 1000)
    latencies = latencies[len(latencies) // 10 :]  # the first 10 % warm caches and the group
    cuts = statistics.quantiles(latencies, n=100)
    tenth = max(len(latencies) // 10, 1)
    # A worker that keeps up has the same median at the start and at the end; a growing
    # median means the offered rate was above what it sustained while sharing the CPU.
    drift = statistics.median(latencies[-tenth:]) - statistics.median(latencies[:tenth])
    return {
        "p50_ms": cuts[49],
        "p99_ms": cuts[98],
        "max_ms": max(latencies),
        "drift_ms": drift,
        "samples": len(latencies),
        "missing": total - len(received),
        "offered_events_per_s": events / produce_seconds,
        "worker_cpu_us_per_event": cpu_used / max(events, 1) * 1e6,
        "worker_core_share": cpu_used / produce_seconds,
    }
