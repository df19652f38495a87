"""The sanitize path's wiring: the raw topic, the delivery loop of the configured guarantee.

The raw topic is subscribed by Faust's consumer (its group, offsets, rebalances), but its
records never become Faust events: the app's consumer scheduler (``streams.intake``) hands each
fetch, per partition and whole, to the delivery loop (``streams.delivery``), which routes
(``streams.routing``, pure) and publishes (``streams.publisher``) per batch. At-least-once
commits offsets that are delivered; exactly-once (``streams.exactly_once``) commits outputs,
stage state and offsets in one Kafka transaction per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import faust

from streams.at_least_once import AtLeastOnce
from streams.delivery import DeliveryLoop
from streams.exactly_once import ExactlyOnce
from streams.intake import diverting_scheduler
from streams.metrics import ServiceMetrics
from streams.optout import Registry
from streams.routing import Router
from streams.session_store import PartitionedSessionState
from streams.settings import Guarantee, ServiceSettings

log = logging.getLogger(__name__)


def attach_sanitize_agent(
    app: faust.App,
    settings: ServiceSettings,
    router: Router,
    registry: Callable[[], Registry],
    metrics: ServiceMetrics,
    timestamp_floor_ms: int,
    state: PartitionedSessionState | None = None,
) -> DeliveryLoop:
    """Subscribe ``app`` to ``settings.raw_topic`` and run its delivery loop."""
    # Subscribed through Faust's conductor, consumed by the delivery loop (never as events).
    app.topics.add(app.topic(settings.raw_topic, key_type=bytes, value_type=bytes))
    loop = delivery_loop_kind(settings)(
        app, settings, router, registry, metrics, timestamp_floor_ms, state
    )
    app.conf.ConsumerScheduler = diverting_scheduler(loop.intake)  # type: ignore[assignment]
    loop.attach()

    # After every assignment: the consumer (and its fetcher) exists by then.
    @app.on_partitions_assigned.connect
    def tune_fetch(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        tune_fetches(app, settings.fetch_max_wait_ms, settings.fetch_min_bytes)

    return loop


def delivery_loop_kind(settings: ServiceSettings) -> type[DeliveryLoop]:
    if settings.processing_guarantee is Guarantee.exactly_once:
        return ExactlyOnce
    return AtLeastOnce


def tune_fetches(app: faust.App, fetch_max_wait_ms: int, fetch_min_bytes: int) -> None:
    """Lower the broker-side wait of the worker consumer's fetches (Faust fixes it at 1,500 ms),
    and set how much data a fetch waits for (Faust does not expose it; aiokafka's default is 1).

    aiokafka keeps one fetch request in flight per broker, and leaves out of it the partitions
    whose fetched records are still waiting to be read (for longer than its 100 ms prefetch
    backoff; the Faust thread reads them while the delivery loop routes and publishes). Such a
    request then holds only partitions with nothing new, typically the opt-out table's: the
    broker parks it for ``fetch_max_wait_ms``, and until it returns no raw partition of that
    broker is fetched, although input waits. With Faust's 1,500 ms that made intake stall for
    whole seconds at moderate load (p99 latency of seconds at half the max rate). A short wait
    costs a few empty fetch round trips a second when the worker is idle.

    With min bytes 1 the broker answers as soon as one record is there: the worker then
    fetches, routes and publishes as often as it can, and each such cycle costs it milliseconds
    of CPU across its two threads: 35 % of a core at 2,000 events/s, about 80 % at 20,000. The
    default (1 MiB, for up to 25 ms) makes the broker gather first: at most 40 cycles a second
    unless a MiB is waiting, for up to 25 ms more latency, and 40 empty fetches a second when
    idle (docs/benchmarks.md, run 11).
    """
    thread = getattr(app.consumer, "_thread", None)  # Faust's aiokafka consumer thread
    consumer = getattr(thread, "_consumer", None)
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None:  # not started (or another transport): nothing to lower
        log.warning("cannot lower the consumer's fetch wait: no aiokafka fetcher")
        return
    # Read by the fetcher thread when it builds its next request; an int store is atomic.
    fetcher._fetch_max_wait_ms = fetch_max_wait_ms
    fetcher._fetch_min_bytes = fetch_min_bytes
