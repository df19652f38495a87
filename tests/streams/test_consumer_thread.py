"""What the worker reaches into in Faust's aiokafka consumer thread: the fetch settings reach
aiokafka's fetcher, and every resume of the delivery loop wakes the read waiting there, through
attributes aiokafka reads. tests/integration/test_resume_wake.py shows the wake on a real
broker."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.consumer.fetcher import Fetcher
from faust.transport.consumer import Consumer
from faust.types import TP

import streams.delivery as delivery
from streams.consumer_thread import tune_fetches, wake_waiting_fetch
from streams.metrics import ServiceMetrics


def app_with_fetcher(fetcher: Any, thread_loop: Any = None) -> Any:
    consumer = SimpleNamespace(_fetcher=fetcher)
    thread = SimpleNamespace(_consumer=consumer, thread_loop=thread_loop)
    return SimpleNamespace(consumer=SimpleNamespace(_thread=thread))


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


@pytest.fixture
def thread_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, as Faust's consumer thread's does."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_wake_resolves_every_waiting_read_on_the_consumer_threads_loop(
    thread_loop: asyncio.AbstractEventLoop,
) -> None:
    async def make_waiters() -> set[asyncio.Future[None]]:
        return {thread_loop.create_future(), thread_loop.create_future()}

    waiters = asyncio.run_coroutine_threadsafe(make_waiters(), thread_loop).result(5)
    done_before = thread_loop.create_future()  # a read that already returned stays as it was
    thread_loop.call_soon_threadsafe(done_before.set_result, "records")
    fetcher = SimpleNamespace(_fetch_waiters=waiters | {done_before})

    wake_waiting_fetch(app_with_fetcher(fetcher, thread_loop))

    async def results() -> list[Any]:
        return list(await asyncio.gather(*waiters, done_before))

    assert sorted(asyncio.run_coroutine_threadsafe(results(), thread_loop).result(5), key=str) == [
        None,
        None,
        "records",
    ]


def test_before_the_consumer_thread_runs_a_wake_does_nothing() -> None:
    wake_waiting_fetch(app_with_fetcher(None))  # not started: no fetcher
    closed = asyncio.new_event_loop()
    closed.close()
    wake_waiting_fetch(app_with_fetcher(SimpleNamespace(_fetch_waiters=set()), closed))


def test_aiokafka_waits_on_those_waiters_and_faust_passes_its_live_partition_set() -> None:
    """The wake works only because a waiting read looks again at the set Faust passed, and a
    resume adds to that same set. None of it is public API: check the source says so."""
    assert "self._create_fetch_waiter()" in inspect.getsource(Fetcher.fetched_records)
    assert "self._fetch_waiters.add(" in inspect.getsource(Fetcher._create_fetch_waiter)
    assert "tps = self._active_partitions" in inspect.getsource(Consumer._get_active_partitions)
    assert "self._get_active_partitions().update(" in inspect.getsource(Consumer.resume_partitions)


def test_the_delivery_loop_wakes_the_waiting_read_after_every_resume_and_counts_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, Any]] = []
    consumer = SimpleNamespace(
        pause_partitions=lambda tps: calls.append(("pause", tps)),
        resume_partitions=lambda tps: calls.append(("resume", tps)),
    )
    loop = delivery.DeliveryLoop.__new__(delivery.DeliveryLoop)  # only what _pause uses
    loop.app, loop.metrics = SimpleNamespace(consumer=consumer), ServiceMetrics()
    monkeypatch.setattr(delivery, "wake_waiting_fetch", lambda app: calls.append(("wake", app)))
    tp = TP("raw", 3)

    loop._pause(tp, True)
    loop._pause(tp, False)
    loop._pause(tp, True)

    assert calls == [("pause", [tp]), ("resume", [tp]), ("wake", loop.app), ("pause", [tp])]
    pauses = loop.metrics.registry.get_sample_value(
        "sanitizer_backpressure_pauses_total", {"partition": "3"}
    )
    assert pauses == 2
