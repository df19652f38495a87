"""The worker's fetch settings reach aiokafka's fetcher, through attributes aiokafka reads."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

from aiokafka.consumer.fetcher import Fetcher

from streams.agents import tune_fetches


def app_with_fetcher(fetcher: Any) -> Any:
    consumer = SimpleNamespace(_fetcher=fetcher)
    return SimpleNamespace(consumer=SimpleNamespace(_thread=SimpleNamespace(_consumer=consumer)))


def test_the_fetch_wait_and_min_bytes_are_set_on_the_consumers_fetcher() -> None:
    fetcher = SimpleNamespace(_fetch_max_wait_ms=1500, _fetch_min_bytes=1)
    tune_fetches(app_with_fetcher(fetcher), 50, 1_048_576)
    assert (fetcher._fetch_max_wait_ms, fetcher._fetch_min_bytes) == (50, 1_048_576)


def test_aiokafka_builds_its_fetch_requests_from_those_attributes() -> None:
    """Neither is public API: an aiokafka that renamed them would silently ignore the settings."""
    source = inspect.getsource(Fetcher._get_actions_per_node)
    assert "self._fetch_max_wait_ms" in source
    assert "self._fetch_min_bytes" in source


def test_without_a_fetcher_nothing_is_set_and_the_worker_goes_on(caplog: Any) -> None:
    tune_fetches(app_with_fetcher(None), 50, 1_048_576)
    assert "cannot lower the consumer's fetch wait" in caplog.text
