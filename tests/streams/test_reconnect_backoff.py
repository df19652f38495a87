"""Failed metadata refreshes back off (doubling, capped); a success resets the backoff."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.client import AIOKafkaClient

from streams import reconnect_backoff


async def test_failed_refreshes_wait_longer_each_time_up_to_the_cap(monkeypatch) -> None:
    outcomes = iter([False, False, False, False, False, True, False])

    async def refresh(self: Any, cluster_metadata: Any, topics: Any) -> bool:
        return next(outcomes)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(AIOKafkaClient, "_metadata_update", refresh)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    assert reconnect_backoff.slow_down_reconnects(max_backoff_s=1.0)
    assert reconnect_backoff.slow_down_reconnects()  # installed once, not twice

    class Client:
        _retry_backoff = 0.1

    client = Client()
    results = [await AIOKafkaClient._metadata_update(client, None, set()) for _ in range(7)]
    assert results == [False] * 5 + [True, False]
    assert slept == pytest.approx([0.2, 0.4, 0.8, 1.0, 1.0, 0.2])  # nothing after the success
