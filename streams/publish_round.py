"""The outputs of batches routed back to back, published together (at-least-once).

After a fetch, every raw partition that got records routes a batch, one after the other (the
delivery loop routes one partition at a time). Published per batch, a fetch cycle costs a
record batch per destination partition per raw partition, and the produce requests, tasks and
acknowledgements that go with them: at a paced load of small batches that Python per batch was
a large part of the worker's CPU and of each cycle's length (docs/benchmarks.md, run 14). A
``PublishRound`` gathers the outputs of the batches routed while others wait their turn, and
the last batch of the line publishes them all: one record batch per destination per cycle.
A drain is not slowed: a round holding ``max_messages`` raw messages is published at once.
Each batch gets a future of the round's hand-overs, so its offsets are committed only when
the whole round is acknowledged (at-least-once holds; a batch may wait for its neighbours).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from streams.publisher import AnyRecord, BatchPublisher, Delivery, Headers
from streams.routing import Destination, Record

Handovers = list[asyncio.Task[Delivery]]
# Changelog records by destination, and the headers of each destination's records.
Changes = tuple[Mapping[Destination, Sequence[AnyRecord]], Mapping[Destination, Headers]]


class PublishRound:
    def __init__(self, publisher: BatchPublisher, max_messages: int) -> None:
        self._publisher = publisher
        self._max_messages = max_messages
        self._in_line = 0  # batches between starting to route and having added their outputs
        self._start()

    def _start(self) -> None:
        self._records: defaultdict[Destination, list[Record]] = defaultdict(list)
        # Records that carry headers (stage state changes) keep their own publish, in order.
        self._with_headers: list[Changes] = []
        self._messages = 0
        self._handovers: asyncio.Future[Handovers] | None = None  # made by the first batch

    @contextmanager
    def in_line(self) -> Iterator[None]:
        """Around routing a batch and adding it: the last batch to leave the line (however it
        leaves: added, failed or cancelled) publishes the round, as does a full round."""
        self._in_line += 1
        try:
            yield
        finally:
            self._in_line -= 1
            if self._in_line == 0 or self.full:
                self.publish()

    def add(
        self,
        records: Mapping[Destination, list[Record]],
        messages: int,
        changes: Changes | None = None,
    ) -> asyncio.Future[Handovers]:
        """Add a routed batch (of ``messages`` raw messages); the future is set to the hand-overs
        of the round that publishes it."""
        for destination, batch_records in records.items():
            self._records[destination] += batch_records
        if changes is not None:
            self._with_headers.append(changes)
        self._messages += messages
        if self._handovers is None:
            self._handovers = asyncio.get_running_loop().create_future()
        return self._handovers

    @property
    def full(self) -> bool:
        return self._messages >= self._max_messages

    def publish(self) -> None:
        """Hand the round's records to the publisher and start the next round."""
        records, with_headers, handovers = self._records, self._with_headers, self._handovers
        if handovers is None:  # no batch since the last round
            return
        self._start()
        try:
            tasks = self._publisher.publish(records)
            for changes, headers in with_headers:
                tasks += self._publisher.publish(changes, headers)
        except Exception as error:  # the batches' settles fail, and the worker stops
            handovers.set_exception(error)
        else:
            handovers.set_result(tasks)
