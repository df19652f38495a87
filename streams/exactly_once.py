"""Exactly-once: a batch's outputs, its stage state changes and its input offset in one transaction.

Each assigned raw partition gets its own transactional producer, ``transactional.id`` =
``<group>-<raw topic>-<partition>``. Starting it (InitProducerId) bumps the id's epoch: a worker
that still believes it owns the partition (a zombie: paused, partitioned from the group) is
fenced, its open transaction aborted, and only then does the new owner read the committed offset
and the stage state, and seek there. A batch is then: begin, route and send the sanitized and
quarantine records and the changelog records, ``send_offsets_to_transaction`` (the raw offset
after the batch, for the worker's group), commit. A consumer reading ``read_committed`` sees a
batch's outputs all together or not at all, and each raw offset is committed by exactly one
committed transaction. Any failure aborts the transaction; the flow then starts over from the
committed offset and state (prepare again), so nothing of the aborted batch survives.

Faust's own ``exactly_once`` is not used: its transactions cover records sent through Faust
only, and it has known faults (faust-streaming issues #323, #440, #517).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import ProducerFenced

from streams.changelog import kafka_options
from streams.delivery import DeliveryLoop
from streams.intake import PartitionFlow
from streams.publisher import BatchPublisher

log = logging.getLogger(__name__)

RETRY_BACKOFF_S = (0.5, 1.0, 2.0, 5.0)


class ExactlyOnce(DeliveryLoop):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._producers: dict[int, AIOKafkaProducer] = {}
        self._publishers: dict[int, BatchPublisher] = {}
        self._failures: dict[int, int] = {}

    def transactional_id(self, partition: int) -> str:
        return f"{self.settings.consumer_group}-{self.settings.raw_topic}-{partition}"

    async def prepare(self, flow: PartitionFlow) -> None:
        await self._close_producer(flow.partition)
        producer = AIOKafkaProducer(
            **kafka_options(self.settings),
            transactional_id=self.transactional_id(flow.partition),
            enable_idempotence=True,
            acks="all",
            linger_ms=self.settings.producer_linger_ms,
            max_batch_size=self.settings.producer_batch_bytes,
            max_request_size=max(self.settings.producer_batch_bytes, 1024 * 1024),
        )
        self._producers[flow.partition] = producer
        await producer.start()  # fences the previous owner and settles its open transaction
        # Whatever was fetched before the fence may be behind the committed offset: refetch.
        committed = await self.rewind(flow)
        await self.restore_state(flow, committed)
        self._publishers[flow.partition] = BatchPublisher(lambda: producer, self.floor_ms)
        log.info("raw partition %d: exactly-once from offset %s", flow.partition, flow.position)

    async def process(self, flow: PartitionFlow, messages: list[Any]) -> None:
        producer = self._producers[flow.partition]
        publisher = self._publishers[flow.partition]
        await producer.begin_transaction()
        try:
            handovers, next_offset = await self.route(flow, messages, publisher)
            deliveries = [await handover for handover in handovers]
            await asyncio.gather(*deliveries)
            offsets = {TopicPartition(flow.tp.topic, flow.partition): next_offset}
            await producer.send_offsets_to_transaction(offsets, self.settings.consumer_group)
        except BaseException:
            await self._abort(producer)
            raise
        await producer.commit_transaction()
        self._failures.pop(flow.partition, None)

    async def _abort(self, producer: AIOKafkaProducer) -> None:
        try:
            await asyncio.wait_for(producer.abort_transaction(), timeout=10)
        except Exception as error:  # the producer is replaced anyway
            log.debug("abort failed: %s", error)

    async def failed(self, flow: PartitionFlow, error: BaseException) -> bool:
        if isinstance(error, ProducerFenced):
            # Another worker owns the partition now: drop it until the group says otherwise.
            log.warning("raw partition %d: fenced by a newer owner; leaving it", flow.partition)
            flow.stop()
            await self._close_producer(flow.partition)
            return False
        failures = self._failures[flow.partition] = self._failures.get(flow.partition, 0) + 1
        delay = RETRY_BACKOFF_S[min(failures, len(RETRY_BACKOFF_S)) - 1]
        log.warning(
            "raw partition %d: transaction failed (%s: %s); starting over from the committed "
            "offset in %.1f s",
            flow.partition,
            type(error).__name__,
            error,
            delay,
        )
        await asyncio.sleep(delay)
        return not flow.stopping

    async def finish(self, flows: list[PartitionFlow]) -> None:
        # Each task ended after committing (or aborting) its transaction: close the producers.
        await asyncio.gather(*(self._close_producer(flow.partition) for flow in flows))

    async def _close_producer(self, partition: int) -> None:
        self._publishers.pop(partition, None)
        producer = self._producers.pop(partition, None)
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=10)
            except Exception as error:
                log.debug("closing the producer of raw partition %d: %s", partition, error)
