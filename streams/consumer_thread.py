"""What the worker adjusts in Faust's aiokafka consumer thread, which Faust does not expose.

Faust runs aiokafka's consumer in a thread of its own, with its own event loop. Two things the
delivery loop needs are not settings there: how long the broker may hold a fetch and for how
much data (``tune_fetches``), and that a partition resumed after back-pressure is read again at
once (``wake_waiting_fetch``). Both reach aiokafka's ``Fetcher`` through attributes that are not
its public API; ``tests/streams/test_consumer_thread.py`` checks that aiokafka still reads them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust

log = logging.getLogger(__name__)


def _thread_and_fetcher(app: faust.App) -> tuple[Any, Any]:
    thread = getattr(app.consumer, "_thread", None)  # Faust's aiokafka consumer thread
    consumer = getattr(thread, "_consumer", None)
    return thread, getattr(consumer, "_fetcher", None)


def tune_fetches(app: faust.App, fetch_max_wait_ms: int, fetch_min_bytes: int) -> None:
    """Lower the broker-side wait of the worker consumer's fetches (Faust fixes it at 1,500 ms),
    and set how much data a fetch waits for (Faust does not expose it; aiokafka's default is 1).

    aiokafka keeps one fetch request in flight per broker, and leaves out of it the partitions
    whose fetched records are still waiting to be read (for longer than its 100 ms prefetch
    backoff; the Faust thread reads them while the delivery loop routes and publishes). Such a
    request then holds only partitions with nothing new, typically the opt-out table's: the
    broker parks it for ``fetch_max_wait_ms``, and until it returns no raw partition of that
    broker is fetched, although input waits. With Faust's 1,500 ms that made intake stall for
    whole seconds at moderate load (p99 latency of seconds at half the max rate). A short wait
    costs a few empty fetch round trips a second when the worker is idle.

    With min bytes 1 the broker answers as soon as one record is there: the worker then
    fetches, routes and publishes as often as it can, and each such cycle costs it milliseconds
    of CPU across its two threads: 35 % of a core at 2,000 events/s, about 80 % at 20,000. The
    default (1 MiB, for up to 25 ms) makes the broker gather first: at most 40 cycles a second
    unless a MiB is waiting, for up to 25 ms more latency, and 40 empty fetches a second when
    idle (docs/benchmarks.md, run 11).
    """
    _, fetcher = _thread_and_fetcher(app)
    if fetcher is None:  # not started (or another transport): nothing to lower
        log.warning("cannot lower the consumer's fetch wait: no aiokafka fetcher")
        return
    # Read by the fetcher thread when it builds its next request; an int store is atomic.
    fetcher._fetch_max_wait_ms = fetch_max_wait_ms
    fetcher._fetch_min_bytes = fetch_min_bytes


def wake_waiting_fetch(app: faust.App) -> None:
    """Make the read that Faust's fetch loop is waiting on in the consumer thread look again at
    which partitions it may return (call it after resuming one).

    Faust's fetch loop asks the thread for the fetched records of its active partitions and
    waits up to a second for some. The set of partitions it passes is Faust's own, so a resume
    adds to it, but aiokafka only looks at it again when a fetch brings new records. The records
    of a paused partition are usually fetched already (aiokafka keeps them and does not fetch
    that partition again until they are read), so nothing new comes: a resumed partition sat
    idle for up to a second, with its records in memory (docs/benchmarks.md, run 12).
    """
    thread, fetcher = _thread_and_fetcher(app)
    loop = getattr(thread, "thread_loop", None)
    if fetcher is None or loop is None:
        return  # not started: the first read sees the resumed partition anyway
    try:
        loop.call_soon_threadsafe(_wake_waiters, fetcher._fetch_waiters)
    except RuntimeError:  # the thread's loop closed meanwhile: the worker is stopping
        return


def _wake_waiters(waiters: set[asyncio.Future[None]]) -> None:
    # On the consumer thread's loop. aiokafka resolves these futures the same way when a fetch
    # brings records; a woken read that finds nothing to return goes back to waiting.
    for waiter in list(waiters):
        if not waiter.done():
            waiter.set_result(None)
