"""The sanitize path's wiring: the raw topic, the delivery loop of the configured guarantee.

The raw topic is subscribed by Faust's consumer (its group, offsets, rebalances), but its
records never become Faust events: the app's consumer scheduler (``streams.intake``) hands each
fetch, per partition and whole, to the delivery loop (``streams.delivery``), which routes
(``streams.routing``, pure) and publishes (``streams.publisher``) per batch. At-least-once
commits offsets that are delivered; exactly-once (``streams.exactly_once``) commits outputs,
stage state and offsets in one Kafka transaction per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faust

from streams.at_least_once import AtLeastOnce
from streams.consumer_thread import tune_fetches
from streams.delivery import DeliveryLoop
from streams.exactly_once import ExactlyOnce
from streams.intake import diverting_scheduler
from streams.metrics import ServiceMetrics
from streams.optout import Registry
from streams.routing import Router
from streams.session_store import PartitionedSessionState
from streams.settings import Guarantee, ServiceSettings


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
