"""Raw records reach the delivery loop as whole fetches per partition, never as Faust events.

Faust's consumer (its thread, group membership, offsets, rebalances) still fetches the raw topic,
but a Faust event per message (decode, queue, sensors, ack bookkeeping) costs more than the
privacy policy on small messages. Faust asks its ``ConsumerScheduler`` to order each fetch
(a mapping partition → records) before turning records into events: ``diverting_scheduler``
takes the raw topic's records out of that mapping, whole, and hands them to the partition's
``PartitionFlow``; the rest (the opt-out table) goes through Faust as before.

A flow holds the fetched records of one assigned raw partition until its delivery task takes
them, and pauses the partition in Faust's consumer when too many wait, by count or by bytes
(back-pressure: the next fetch leaves it out), until the task has caught up. The byte bound
keeps a worker that drains a backlog of large messages within its memory: counted in messages
alone, up to 8,192 flush batches of about 17 events queued per partition took a worker draining a
million events to 461-497 MB, and 4 MiB per partition to 271-285 MB (docs/benchmarks.md, run 16).

With a linger, a small batch waits up to that long after its first record was fetched for more,
as a producer's ``linger.ms`` does: at light load each batch costs about a millisecond of CPU
however few records it holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from time import monotonic
from typing import Any

from faust.transport.utils import DefaultSchedulingStrategy
from faust.types import TP

log = logging.getLogger(__name__)


class PartitionFlow:
    """One assigned raw partition: fetched records waiting, and where processing stands."""

    def __init__(
        self,
        tp: TP,
        max_queued: int,
        pause: Callable[[TP, bool], None],
        linger_s: float = 0.0,
        max_queued_bytes: int = 1 << 62,
    ) -> None:
        self.tp = tp
        self.partition = tp.partition
        self._max_queued = max_queued
        self._max_queued_bytes = max_queued_bytes
        self._pause = pause
        # Fetched record lists waiting, each with the bytes of its values.
        self._fetched: deque[tuple[list[Any], int]] = deque()
        self._queued = 0
        self._queued_bytes = 0
        self._paused = False
        self._wakeup = asyncio.Event()
        self._linger_s = linger_s
        self._first_fetched_at = 0.0  # when the oldest record waiting was fetched
        self.stopping = False
        self.position: int | None = None  # next raw offset to process; earlier ones are skipped
        self.task: asyncio.Task[None] | None = None

    def offer(self, records: list[Any]) -> None:
        if self.stopping or not records:
            return
        if not self._fetched:
            self._first_fetched_at = monotonic()
        size = _value_bytes(records)
        self._fetched.append((records, size))
        self._queued += len(records)
        self._queued_bytes += size
        self._wakeup.set()
        full = self._queued >= self._max_queued or self._queued_bytes >= self._max_queued_bytes
        if full and not self._paused:
            self._paused = True
            self._pause(self.tp, True)

    def restart_at(self, offset: int | None) -> None:
        """Forget what was fetched: processing resumes at ``offset`` (the consumer was sought)."""
        self._fetched.clear()
        self._queued = 0
        self._queued_bytes = 0
        self.position = offset
        self._resume()

    def stop(self) -> None:
        self.stopping = True
        self._wakeup.set()

    async def take(self, max_messages: int) -> list[Any]:
        """Wait for records and return up to ``max_messages`` of them from ``position`` on
        (an empty list once stopping)."""
        while True:
            while not self._fetched and not self.stopping:
                self._wakeup.clear()
                await self._wakeup.wait()
            if self._linger_s:
                await self._linger(max_messages)
            if self.stopping:
                return []
            taken = self._take_queued(max_messages)
            if taken:
                return taken

    async def _linger(self, max_messages: int) -> None:
        """Wait until ``max_messages`` are fetched, the linger has passed since the first of
        them was, or the flow stops (each fetch and ``stop`` set the wake-up)."""
        while self._queued < max_messages and not self.stopping:
            left = self._first_fetched_at + self._linger_s - monotonic()
            if left <= 0:
                return
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), left)
            except TimeoutError:
                return

    def _take_queued(self, max_messages: int) -> list[Any]:
        # The same offsets can be fetched twice (Faust seeks an assigned partition back to its
        # committed offset after a rebalance, while the first fetch is already here): whatever
        # is behind ``position`` was taken already, or was committed by the previous owner.
        taken: list[Any] = []
        while self._fetched and len(taken) < max_messages:
            records, size = self._fetched.popleft()
            room = max_messages - len(taken)
            if len(records) > room:
                # Sum the part taken (at most a batch), not the rest: a large fetch is split
                # into many batches, and summing what is left each time is quadratic.
                records, rest = records[:room], records[room:]
                taken_size = _value_bytes(records)
                self._fetched.appendleft((rest, size - taken_size))
                size = taken_size
            self._queued -= len(records)
            self._queued_bytes -= size
            position = self.position
            if position is not None and records[0].offset < position:
                records = [record for record in records if record.offset >= position]
            if records:
                taken += records
                self.position = records[-1].offset + 1
        caught_up = self._queued_bytes < self._max_queued_bytes // 2
        if caught_up and self._queued < self._max_queued // 2:
            self._resume()
        return taken

    def _resume(self) -> None:
        if self._paused:
            self._paused = False
            self._pause(self.tp, False)


def _value_bytes(records: list[Any]) -> int:
    # aiokafka measured each value when it parsed the record (-1 for none).
    return sum(record.serialized_value_size for record in records)


class Intake:
    """The raw topic's flows by partition; ``divert`` is called with every fetch."""

    def __init__(
        self,
        raw_topic: str,
        flow_active: Callable[[], bool],
        owned: Callable[[TP], bool],
        new_flow: Callable[[TP], PartitionFlow],
    ) -> None:
        self.raw_topic = raw_topic
        self.flows: dict[int, PartitionFlow] = {}
        self._flow_active = flow_active
        self._owned = owned
        self._new_flow = new_flow

    def flow(self, tp: TP) -> PartitionFlow:
        """The flow of an assigned raw partition, started on first use."""
        flow = self.flows.get(tp.partition)
        if flow is None:
            flow = self.flows[tp.partition] = self._new_flow(TP(tp.topic, tp.partition))
        return flow

    def divert(self, records: Mapping[Any, list[Any]]) -> Mapping[Any, list[Any]]:
        """Hand the raw topic's records to their flows; return the others for Faust."""
        if not any(tp.topic == self.raw_topic for tp in records):
            return records
        active = self._flow_active()  # during a rebalance Faust drops what it fetched: so do we
        rest = {}
        for tp, batch in records.items():
            if tp.topic != self.raw_topic:
                rest[tp] = batch
            elif active and (tp.partition in self.flows or self._owned(tp)):
                # Records of an assigned partition always find their flow: dropping them
                # would skip input (the consumer's position is past them).
                self.flow(tp).offer(batch)
        return rest


def diverting_scheduler(intake: Intake) -> type[DefaultSchedulingStrategy]:
    """A Faust ``ConsumerScheduler`` class that diverts the raw topic to ``intake``."""

    class DivertingScheduler(DefaultSchedulingStrategy):  # type: ignore[misc]
        def iterate(self, records: Mapping[TP, list[Any]]) -> Iterator[tuple[TP, Any]]:
            rest = intake.divert(records)
            result: Iterator[tuple[TP, Any]] = super().iterate(rest)
            return result

    return DivertingScheduler
