"""The delivery loop: a task per assigned raw partition takes whole fetches, routes, publishes.

``streams.intake`` hands each raw partition's fetched records to its ``PartitionFlow``; the
flow's task takes up to ``batch_max_messages`` at a time, routes them (``streams.routing``, in
slices, yielding between slices), logs the stage state changes of the batch to the changelog
(``streams.session_store``), and publishes (``streams.publisher``; at-least-once gathers the
batches routed back to back into one publish, ``streams.publish_round``). What "committed"
means is the guarantee's business: ``streams.at_least_once``, ``streams.exactly_once``.

Committed offsets are tracked here, per partition, from what was delivered: Faust never sees a
raw message, so it neither acks nor commits them (its per-message acking is what committed a
taken-over partition one offset at a time). On revocation and at shutdown every flow finishes
its batch, waits for its outputs and commits, before the partition is given away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import faust
from faust.types import TP

from streams.changelog import changelog_topic, ensure_changelog, read_changelog
from streams.consumer_thread import wake_waiting_fetch
from streams.intake import Intake, PartitionFlow
from streams.metrics import ServiceMetrics
from streams.optout import Registry
from streams.publish_round import Changes
from streams.publisher import BatchPublisher, Delivery
from streams.routing import Routed, Router
from streams.session_store import PartitionedSessionState, offset_headers, restore
from streams.settings import ServiceSettings

log = logging.getLogger(__name__)

# Messages routed between two yields to the event loop: 25 collector batches of 50 events
# are a few tens of ms of CPU, short enough for health checks, fetches and commits.
ROUTE_SLICE = 25
# Batches of one partition whose outputs may await the broker at once (at-least-once).
MAX_IN_FLIGHT = 4
# Longest a revocation or shutdown waits for a partition to finish its batch and commit.
RELEASE_TIMEOUT_S = 5.0  # for the batch being routed (it stops at a slice boundary)
# Longest a release waits for the outputs of routed batches to be acknowledged before it commits
# what was: orchestrators kill a stopping container after 30 s.
SETTLE_TIMEOUT_S = 20.0
RETRY_DELAY_S = 2.0


@dataclass
class RoutedBatch:
    """A routed batch: its output records, its stage state changes for the changelog (records
    and their headers, by destination), and the raw offset after it."""

    routed: Routed
    changes: Changes | None
    next_offset: int


class DeliveryLoop:
    """Runs the raw partitions' flows; subclasses say how a batch is published and committed."""

    def __init__(
        self,
        app: faust.App,
        settings: ServiceSettings,
        router: Router,
        registry: Callable[[], Registry],
        metrics: ServiceMetrics,
        floor_ms: int,
        state: PartitionedSessionState | None,
    ) -> None:
        self.app, self.settings, self.router = app, settings, router
        self.registry, self.metrics, self.floor_ms = registry, metrics, floor_ms
        self.state = state if state is not None and state.stateful else None
        self.changelog = changelog_topic(settings)
        self._changelog_ready: asyncio.Task[None] | None = None
        # One partition routes at a time: each yield between slices then lets the web server,
        # the fetcher and the commits in, rather than every other partition's slice first.
        self._routing = asyncio.Lock()
        self.intake = Intake(settings.raw_topic, self._flow_active, self._owned, self._new_flow)

    # --- wiring ---------------------------------------------------------------------------

    def attach(self) -> None:
        self.app.on_partitions_revoked.connect(self._on_revoked)
        self.app.on_before_shutdown.connect(self._on_shutdown)

    async def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked: set[TP] = args[0] if args else kwargs.get("revoked", set())
        raw = self.settings.raw_topic
        await self.release([tp.partition for tp in revoked if tp.topic == raw])

    async def _on_shutdown(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await self.release(list(self.intake.flows))

    def _flow_active(self) -> bool:
        return bool(self.app.consumer.flow_active)  # type: ignore[attr-defined]

    def _owned(self, tp: TP) -> bool:
        return TP(tp.topic, tp.partition) in self.app.consumer.assignment()

    def _pause(self, tp: TP, pause: bool) -> None:
        consumer = self.app.consumer
        if pause:
            consumer.pause_partitions([tp])
            self.metrics.pauses.labels(str(tp.partition)).inc()
        else:
            consumer.resume_partitions([tp])
            wake_waiting_fetch(self.app)  # its records are usually fetched already

    def _new_flow(self, tp: TP) -> PartitionFlow:
        settings = self.settings
        linger_s = settings.batch_linger_ms / 1000
        flow = PartitionFlow(
            tp,
            max(settings.stream_buffer_maxsize, 1),
            self._pause,
            linger_s,
            settings.stream_buffer_max_bytes,
        )
        flow.task = asyncio.ensure_future(self._run(flow))
        return flow

    # --- one partition ----------------------------------------------------------------------

    async def _run(self, flow: PartitionFlow) -> None:
        while not flow.stopping:
            try:
                await self.prepare(flow)
                while not flow.stopping:
                    messages = await flow.take(self.settings.batch_max_messages)
                    if messages:
                        await self.process(flow, messages)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not await self.failed(flow, error):
                    return

    async def release(self, partitions: Iterable[int]) -> None:
        """Stop the flows of ``partitions``: each finishes its batch, delivers, commits."""
        flows = [self.intake.flows.pop(p) for p in partitions if p in self.intake.flows]
        if not flows:
            return
        for flow in flows:
            flow.stop()
        tasks = [flow.task for flow in flows if flow.task is not None]
        log.info("releasing raw partitions %s", sorted(flow.partition for flow in flows))
        _, pending = await asyncio.wait(tasks, timeout=RELEASE_TIMEOUT_S) if tasks else ((), ())
        for task in pending:
            log.warning("a batch did not finish in %.0f s: cancelled", RELEASE_TIMEOUT_S)
            task.cancel()
        try:
            await self.finish(flows)
        finally:
            for flow in flows:
                if self.state is not None:
                    self.state.close(flow.partition)
        log.info("released raw partitions %s", sorted(flow.partition for flow in flows))

    async def committed_offset(self, tp: TP) -> int | None:
        """The group's committed offset of ``tp``, asked of the coordinator now."""
        thread = self.app.consumer._thread  # type: ignore[attr-defined]
        consumer = thread._ensure_consumer()
        offset: int | None = await thread.call_thread(consumer.committed, tp)
        return offset

    async def rewind(self, flow: PartitionFlow) -> int | None:
        """Start the partition over from its committed offset: seek the consumer there and
        forget what was fetched (a retry after an error must not skip what it had taken).
        Returns the committed offset (None: nothing committed, from the earliest offset)."""
        committed = await self.committed_offset(flow.tp)
        start = committed
        if start is None:  # nothing committed yet: from the start, like auto_offset_reset
            start = (await self.app.consumer.earliest_offsets(flow.tp))[flow.tp]
        await self.app.consumer.seek_wait({flow.tp: start})
        flow.restart_at(start)
        return committed

    async def restore_state(self, flow: PartitionFlow, committed: int | None) -> None:
        """Rebuild the partition's stage state as of ``committed`` from its changelog."""
        if self.state is None:
            return
        if self._changelog_ready is None or (
            self._changelog_ready.done() and self._changelog_ready.exception() is not None
        ):
            partitions = self.app.consumer.topic_partitions(self.settings.raw_topic)
            count = partitions or self.settings.partitions
            self._changelog_ready = asyncio.ensure_future(
                ensure_changelog(self.app, self.settings, count)
            )
        await asyncio.shield(self._changelog_ready)
        started = perf_counter()
        entries = await read_changelog(self.settings, flow.partition)
        applied = restore(self.state.open(flow.partition), entries, committed)
        log.info(
            "raw partition %d: stage state restored (%d of %d changes, %.2f s)",
            flow.partition,
            applied,
            len(entries),
            perf_counter() - started,
        )

    async def route(
        self, flow: PartitionFlow, messages: list[Any], publisher: BatchPublisher
    ) -> tuple[list[asyncio.Task[Delivery]], int]:
        """Route ``messages`` in slices and hand every output (and state change) to
        ``publisher`` at once; return the hand-overs and the next raw offset."""
        counts = await self.output_counts(publisher)
        async with self._routing:
            batch = await self.route_batch(flow, messages, counts)
            # Once per batch, not per slice: aiokafka sends one record batch per partition per
            # produce round trip, and a round trip takes at least two slices while we route.
            handovers = publisher.publish(batch.routed.records)
            if batch.changes is not None:
                handovers += publisher.publish(*batch.changes)
        return handovers, batch.next_offset

    async def output_counts(self, publisher: BatchPublisher) -> tuple[int, int]:
        """The partition counts of the sanitized and the quarantine topic."""
        return (
            await publisher.partition_count(self.settings.sanitized_topic),
            await publisher.partition_count(self.settings.quarantine_topic),
        )

    async def route_batch(
        self, flow: PartitionFlow, messages: list[Any], counts: tuple[int, int]
    ) -> RoutedBatch:
        """Route ``messages`` in slices (the caller holds ``_routing``), and take the stage
        state changes they made; nothing is published yet."""
        started = perf_counter()
        self.router.registry = self.registry()  # opt-outs applied since the last batch count
        routed = Routed()
        state, partition = self.state, flow.partition
        next_offset = messages[0].offset
        for start in range(0, len(messages), ROUTE_SLICE):
            await asyncio.sleep(0)  # a batch of big messages takes a while: let the others in
            if start and flow.stopping:  # revoked or shutting down: stop at a slice boundary,
                break  # the rest is processed by the partition's next owner
            chunk = messages[start : start + ROUTE_SLICE]
            if state is not None:
                state.select(partition)  # routing is synchronous: nobody switches it meanwhile
            self.router.route(chunk, *counts, into=routed)
            next_offset = chunk[-1].offset + 1
        changes = None
        if state is not None:  # once per batch: a session's many changes become one record
            drained = state.select(partition).drain()
            if drained:
                destination = (self.changelog, partition)
                changes = ({destination: drained}, {destination: offset_headers(next_offset)})
        self.metrics.record(routed.tally, perf_counter() - started)
        self._update_lag(routed.next_offsets)
        flow.position = next_offset
        return RoutedBatch(routed, changes, next_offset)

    def _update_lag(self, next_offsets: dict[tuple[str, int], int]) -> None:
        consumer = self.app.consumer
        for (topic, partition), next_offset in next_offsets.items():
            highwater = consumer.highwater(TP(topic, partition))
            if highwater is not None:
                self.metrics.set_lag(topic, partition, highwater - next_offset)

    # --- what a guarantee defines -------------------------------------------------------------

    async def prepare(self, flow: PartitionFlow) -> None:
        raise NotImplementedError

    async def process(self, flow: PartitionFlow, messages: list[Any]) -> None:
        raise NotImplementedError

    async def finish(self, flows: list[PartitionFlow]) -> None:
        raise NotImplementedError

    async def failed(self, flow: PartitionFlow, error: BaseException) -> bool:
        """Handle an error of a flow's task; True to prepare the flow again and go on."""
        raise NotImplementedError
