"""Prometheus metrics of a worker, updated once per batch rather than once per event.

A batch of a few thousand events is tallied in plain ints and dicts, then each counter is
incremented once: per-event ``inc()`` calls take a lock each and would cost more than they tell.
Labels are stable machine codes (quarantine reasons, drop rules), never event content.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from faust.sensors import Monitor
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.process_collector import ProcessCollector

# Batches take from well under a millisecond (a few messages) to a second or so (thousands).
BATCH_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class BatchTally:
    """What one batch did, counted locally; ``ServiceMetrics.record`` publishes it."""

    messages: int = 0
    sanitized: int = 0  # input events that were sanitized
    fanned_out: int = 0  # events written beyond one per input (typing summaries)
    quarantined: Tally[str] = field(default_factory=Tally)
    dropped: Tally[str] = field(default_factory=Tally)

    @property
    def events(self) -> int:
        return self.sanitized + self.quarantined.total() + self.dropped.total()


class ServiceMetrics:
    """The worker's metrics, in a registry of their own (so tests can build several apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total and friends
        r = self.registry
        self.messages_in = Counter("sanitizer_messages_in", "raw Kafka messages read", registry=r)
        self.events_in = Counter(
            "sanitizer_events_in",
            "events read (each event of a batch message counts; an unparsable or opted-out "
            "message counts as one)",
            registry=r,
        )
        self.events_out = Counter("sanitizer_events_out", "sanitized events written", registry=r)
        self.quarantined = Counter(
            "sanitizer_quarantined", "events written to quarantine", ["reason"], registry=r
        )
        self.dropped = Counter(
            "sanitizer_dropped", "events dropped on purpose, by rule", ["rule"], registry=r
        )
        self.batch_seconds = Histogram(
            "sanitizer_batch_processing_seconds",
            "time to sanitize and route one batch (observed per batch)",
            buckets=BATCH_SECONDS_BUCKETS,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "sanitizer_consumer_lag",
            "raw messages not yet processed (high watermark - next offset)",
            ["topic", "partition"],
            registry=r,
        )
        self.pauses = Counter(
            "sanitizer_backpressure_pauses",
            "times a raw partition was paused because stream_buffer_maxsize fetched messages "
            "or stream_buffer_max_bytes of them waited for the delivery loop",
            ["partition"],
            registry=r,
        )
        self.optout_users = Gauge("sanitizer_optout_users", "users currently opted out", registry=r)

    def record(self, tally: BatchTally, seconds: float) -> None:
        self.messages_in.inc(tally.messages)
        self.events_in.inc(tally.events)
        if tally.sanitized:
            self.events_out.inc(tally.sanitized + tally.fanned_out)
        for reason, count in tally.quarantined.items():
            self.quarantined.labels(reason).inc(count)
        for rule, count in tally.dropped.items():
            self.dropped.labels(rule).inc(count)
        self.batch_seconds.observe(seconds)

    def set_lag(self, topic: str, partition: int, lag: int) -> None:
        self.consumer_lag.labels(topic, str(partition)).set(max(lag, 0))

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type, for the /metrics page."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class BatchMonitor(Monitor):  # type: ignore[misc]
    """Faust's default Monitor sensor, minus its per-event bookkeeping.

    Faust calls these hooks for every raw message; the statistics they gather (per-event
    runtimes, per-topic counts) duplicate what ``ServiceMetrics`` publishes per batch. Kept:
    the inbound time per partition, which Faust's stalled-stream detector reads.
    """

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        pass

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
        self.stream_inbound_time[tp] = monotonic()

    def on_stream_event_out(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        pass

    def track_tp_end_offset(self, tp: Any, offset: int) -> None:
        pass
