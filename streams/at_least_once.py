"""At-least-once: outputs acknowledged first, then the offsets that they cover committed.

A batch's outputs go through the app's producer without waiting per batch (``BatchPublisher``
chains hand-overs per destination partition); the batches that the raw partitions route back to
back after a fetch are published together (``PublishRound``). A partition's next offset becomes
committable when every output of its batches up to it (and of their rounds) is acknowledged;
committed offsets follow it every ``commit_interval_s``, on revocation and at shutdown (after
the last batch is delivered), so an orderly handover repeats nothing. A crash repeats what was
delivered but not yet committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable
from typing import Any

from faust.types import TP

from streams.delivery import MAX_IN_FLIGHT, RETRY_DELAY_S, SETTLE_TIMEOUT_S, DeliveryLoop
from streams.intake import PartitionFlow
from streams.publish_round import Handovers, PublishRound
from streams.publisher import BatchPublisher

log = logging.getLogger(__name__)


class AtLeastOnce(DeliveryLoop):
    """Outputs go through the app's producer without waiting per batch; a partition's offset
    becomes committable when every output of its batches up to it is acknowledged, and is
    committed every ``commit_interval_s``, on revocation and at shutdown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publisher = BatchPublisher(
            lambda: self.app.producer._ensure_producer(),  # type: ignore[attr-defined]
            self.floor_ms,
        )
        self.round = PublishRound(self.publisher, self.settings.batch_max_messages)
        self._settling: dict[int, deque[asyncio.Task[None]]] = {}
        self._delivered: dict[int, int] = {}  # raw partition -> next offset, all delivered
        self._committed: dict[int, int] = {}

    def attach(self) -> None:
        super().attach()
        self.app.timer(self.settings.commit_interval_s, name="commit_delivered")(self._commit_all)

    async def _commit_all(self) -> None:
        await self._commit()

    async def prepare(self, flow: PartitionFlow) -> None:
        self._settling[flow.partition] = deque()
        self._delivered.pop(flow.partition, None)
        committed = await self.rewind(flow)
        log.info("raw partition %d: at-least-once from offset %s", flow.partition, flow.position)
        await self.restore_state(flow, committed)

    async def process(self, flow: PartitionFlow, messages: list[Any]) -> None:
        settling = self._settling[flow.partition]
        while settling and (settling[0].done() or len(settling) >= MAX_IN_FLIGHT):
            await settling.popleft()  # back-pressure when Kafka is slower than we are
        handovers, next_offset = await self._route_in_round(flow, messages)
        previous = settling[-1] if settling else None
        settling.append(
            asyncio.ensure_future(self._settle(flow.partition, previous, handovers, next_offset))
        )

    async def _route_in_round(
        self, flow: PartitionFlow, messages: list[Any]
    ) -> tuple[asyncio.Future[Handovers], int]:
        """Route the batch into the round; the last batch in line (or a full round) publishes."""
        with self.round.in_line():
            counts = await self.output_counts(self.publisher)
            async with self._routing:
                batch = await self.route_batch(flow, messages, counts)
                handovers = self.round.add(batch.routed.records, len(messages), batch.changes)
        return handovers, batch.next_offset

    async def _settle(
        self,
        partition: int,
        previous: asyncio.Task[None] | None,
        round_handovers: asyncio.Future[Handovers],
        next_offset: int,
    ) -> None:
        try:
            if previous is not None:
                await previous  # offsets become committable in order
            handovers = await round_handovers
            deliveries = [await handover for handover in handovers]
            await asyncio.gather(*deliveries)
        except Exception as error:  # any Kafka error: never commit, the input is redone
            log.error("output not acknowledged by Kafka (%s); stopping the worker", error)
            await self.app.crash(error)
            raise
        self._delivered[partition] = next_offset

    async def _commit(self, partitions: Iterable[int] | None = None) -> None:
        wanted = self._delivered if partitions is None else partitions
        offsets = {
            TP(self.settings.raw_topic, p): self._delivered[p]
            for p in list(wanted)
            if p in self._delivered and self._committed.get(p) != self._delivered[p]
        }
        if not offsets:
            return
        if await self.app.consumer._commit(offsets):  # type: ignore[attr-defined]
            self._committed.update({tp.partition: offset for tp, offset in offsets.items()})
        else:
            log.warning("commit of %s refused (rebalanced meanwhile)", offsets)

    async def finish(self, flows: list[PartitionFlow]) -> None:
        partitions = [flow.partition for flow in flows]
        settling = [task for p in partitions for task in self._settling.pop(p, ())]
        if settling:  # delivered within the bound, or redone by the next owner
            await asyncio.wait(settling, timeout=SETTLE_TIMEOUT_S)
        await self._commit(partitions)
        log.info("committed on release: %s", {p: self._committed.get(p) for p in partitions})
        for p in partitions:
            self._delivered.pop(p, None)
            self._committed.pop(p, None)

    async def failed(self, flow: PartitionFlow, error: BaseException) -> bool:
        # Not an output failure (those crash the worker in _settle): a transient error while
        # preparing the partition (coordinator moving, changelog leader changing). Retry.
        log.warning(
            "raw partition %d: %s: %s; starting over from the committed offset in %.1f s",
            flow.partition,
            type(error).__name__,
            error,
            RETRY_DELAY_S,
        )
        await asyncio.sleep(RETRY_DELAY_S)
        return not flow.stopping and not self.app.crashed
