"""Back off between failed metadata refreshes of aiokafka's clients while the broker is down.

aiokafka has no ``reconnect_backoff_ms`` (kafka-python has): when every broker refuses the
connection, a metadata refresh fails within a millisecond, and the fetcher and the producer's
sender, which wait on that refresh whenever a partition has no known leader, ask for the next
one at once. Each Faust worker runs several clients, so a worker spun at thousands of refreshes
a second (the issue measured 9.6 CPU-s and 41,437 "Unable to update metadata" lines in 17 s).

``slow_down_reconnects`` wraps ``AIOKafkaClient._metadata_update`` (the one place every refresh
goes through): after a failed refresh it waits ``retry_backoff`` doubled per consecutive
failure, capped, before reporting the failure, so everyone waiting for metadata waits with it.
A success resets it; with the broker up nothing changes. The wrapper checks the signature it
expects, and does nothing (with a warning) if aiokafka changes it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from aiokafka.client import AIOKafkaClient

log = logging.getLogger(__name__)

# Longest pause between two metadata refreshes of one client while the broker is down; also
# the longest a worker takes to notice the broker is back.
MAX_METADATA_BACKOFF_S = 5.0
_MARK = "_sanitizer_backoff"


def slow_down_reconnects(max_backoff_s: float = MAX_METADATA_BACKOFF_S) -> bool:
    """Install the backoff once per process; returns whether it is installed."""
    original = AIOKafkaClient._metadata_update
    if getattr(original, _MARK, False):
        return True
    if list(inspect.signature(original).parameters) != ["self", "cluster_metadata", "topics"]:
        log.warning("aiokafka's metadata refresh changed; no backoff between failed refreshes")
        return False

    async def _metadata_update(self: Any, cluster_metadata: Any, topics: Any) -> bool:
        updated: bool = await original(self, cluster_metadata, topics)
        failures = 0 if updated else getattr(self, "_sanitizer_md_failures", 0) + 1
        self._sanitizer_md_failures = failures
        if failures:
            await asyncio.sleep(min(self._retry_backoff * 2**failures, max_backoff_s))
        return updated

    setattr(_metadata_update, _MARK, True)
    AIOKafkaClient._metadata_update = _metadata_update  # type: ignore[method-assign]
    return True
