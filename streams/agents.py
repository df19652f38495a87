"""The sanitize agent: the streaming hot path, kept thin (take a batch → route → publish → ack).

Per-message work in Faust (events, acks, sensors) costs far more than the privacy transform, so
the agent takes up to ``batch_max_messages`` raw messages at a time with ``noack_take`` and
works per batch: routing (``streams.routing``, pure) in slices, each slice's output handed to
the producer as record batches without waiting (``streams.publisher``), one metrics update.
The source offsets of a batch are acked, and so become committable, only when the broker has
acknowledged every output record of that batch: at-least-once, with no await per record. If an
output cannot be delivered the worker crashes on purpose, so that its uncommitted input is
reprocessed after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from time import perf_counter
from typing import Any, cast

import faust
from faust.streams import Stream
from faust.types import TP, EventT, StreamT

from streams.metrics import ServiceMetrics
from streams.optout import Registry
from streams.publisher import BatchPublisher, settle
from streams.routing import Routed, Router
from streams.settings import ServiceSettings

log = logging.getLogger(__name__)

# Messages routed between two yields to the event loop: 100 collector batches of 50 events
# are ~0.1 s of CPU, short enough for health checks and commit timers.
ROUTE_SLICE = 100
# Batches whose outputs may be awaiting the broker at once before the agent waits.
MAX_IN_FLIGHT = 4


class RawBytesSchema(faust.Schema):  # type: ignore[misc]
    """Key and value stay the bytes Kafka delivered. Faust's ``Schema.decode`` recompiles its
    decoder and looks codecs up for every message; raw bytes need none of it (the core decodes
    the JSON, once)."""

    async def decode(self, app: Any, message: Any, *, propagate: bool = False) -> Any:
        return app.create_event(message.key, message.value, message.headers, message)


def attach_sanitize_agent(
    app: faust.App,
    settings: ServiceSettings,
    router: Router,
    registry: Callable[[], Registry],
    metrics: ServiceMetrics,
    timestamp_floor_ms: int,
) -> None:
    """Register the agent reading ``settings.raw_topic`` on ``app``."""
    raw_topic = app.topic(
        settings.raw_topic, schema=RawBytesSchema(key_type=bytes, value_type=bytes)
    )
    publisher = BatchPublisher(
        lambda: app.producer._ensure_producer(),  # type: ignore[attr-defined]
        timestamp_floor_ms,
    )
    in_flight: deque[asyncio.Task[None]] = deque()  # settle tasks of batches being delivered

    def fail(error: BaseException) -> None:
        # Never ack: the offsets stay uncommitted and the restarted worker reprocesses them.
        log.error("output not acknowledged by Kafka (%s); stopping the worker", error)
        crash = asyncio.ensure_future(app.crash(error))
        in_flight.append(crash)  # keeps a reference until it is done

    async def sanitize(stream: StreamT[Any]) -> None:
        # noack_take: the events are acked by us, once their outputs are delivered.
        async for events in cast(Stream[Any], stream).noack_take(
            settings.batch_max_messages, within=settings.batch_within_s
        ):
            while in_flight and (in_flight[0].done() or len(in_flight) >= MAX_IN_FLIGHT):
                await in_flight.popleft()  # back-pressure when Kafka is slower than we are
            started = perf_counter()
            # The store is looked up per batch: opt-outs applied since the last batch count.
            router.registry = registry()
            counts = (
                await publisher.partition_count(settings.sanitized_topic),
                await publisher.partition_count(settings.quarantine_topic),
            )
            messages, routed, handovers = [event.message for event in events], Routed(), []
            for start in range(0, len(messages), ROUTE_SLICE):
                if start:  # a batch of big messages takes a while: let /healthz and commits in
                    await asyncio.sleep(0)
                router.route(messages[start : start + ROUTE_SLICE], *counts, into=routed)
                handovers += publisher.publish(routed.records)  # sent while we route on
                routed.records.clear()
            metrics.record(routed.tally, perf_counter() - started)
            update_lag(app, metrics, routed.next_offsets)
            in_flight.append(
                asyncio.ensure_future(settle(handovers, partial(ack_all, events), fail))
            )

    app.agent(raw_topic, name="sanitize")(sanitize)

    # After every assignment: the consumer (and its fetcher) exists by then.
    @app.on_partitions_assigned.connect
    def cap_fetch_wait(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        cap_fetch_max_wait(app, settings.fetch_max_wait_ms)


def cap_fetch_max_wait(app: faust.App, fetch_max_wait_ms: int) -> None:
    """Lower the broker-side wait of the worker consumer's fetches (Faust fixes it at 1,500 ms).

    aiokafka keeps one fetch request in flight per broker, and leaves out of it the partitions
    whose fetched records are still waiting to be read (for longer than its 100 ms prefetch
    backoff; the Faust thread reads them while the agent routes and publishes). Such a request
    then holds only partitions with nothing new, typically the opt-out table's: the broker
    parks it for ``fetch_max_wait_ms`` (min bytes is 1), and until it returns no raw partition
    of that broker is fetched, although input waits. With Faust's 1,500 ms that made intake
    stall for whole seconds at moderate load (p99 latency of seconds at half the max rate).
    A short wait costs a few empty fetch round trips a second when the worker is idle.
    """
    thread = getattr(app.consumer, "_thread", None)  # Faust's aiokafka consumer thread
    consumer = getattr(thread, "_consumer", None)
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None:  # not started (or another transport): nothing to lower
        log.warning("cannot lower the consumer's fetch wait: no aiokafka fetcher")
        return
    # Read by the fetcher thread when it builds its next request; an int store is atomic.
    fetcher._fetch_max_wait_ms = fetch_max_wait_ms


def ack_all(events: Sequence[EventT[Any]]) -> None:
    for event in events:
        event.ack()


def update_lag(
    app: faust.App, metrics: ServiceMetrics, next_offsets: dict[tuple[str, int], int]
) -> None:
    consumer = app.consumer
    for (topic, partition), next_offset in next_offsets.items():
        highwater = consumer.highwater(TP(topic, partition))
        if highwater is not None:
            metrics.set_lag(topic, partition, highwater - next_offset)
