"""A consumer stuck out of its group while the broker answers turns /healthz unhealthy; an
outage or a short rebalance does not."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from streams.group_watch import GroupWatch, out_of_group


@dataclass
class Coordinator:
    coordinator_id: int | None = 1
    _rejoin_needed_fut: asyncio.Future[None] | Any = None


@dataclass
class Client:
    _sanitizer_md_failures: int = 0


@dataclass
class Consumer:
    _coordinator: Coordinator = field(default_factory=Coordinator)
    _client: Client = field(default_factory=Client)


class Rejoin:
    """Stands for aiokafka's ``_rejoin_needed_fut``: only ``done()`` is read."""

    def __init__(self, done: bool) -> None:
        self._done = done

    def done(self) -> bool:
        return self._done


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_the_group_with_a_known_coordinator_is_not_out() -> None:
    assert not out_of_group(Consumer(Coordinator(1, Rejoin(False))))


@pytest.mark.parametrize(
    "coordinator", [Coordinator(None, Rejoin(False)), Coordinator(1, Rejoin(True))]
)
def test_no_coordinator_or_a_pending_rejoin_while_the_broker_answers_is_out(
    coordinator: Coordinator,
) -> None:
    assert out_of_group(Consumer(coordinator))


def test_during_a_broker_outage_nobody_is_out_of_the_group() -> None:
    assert not out_of_group(Consumer(Coordinator(None), Client(_sanitizer_md_failures=3)))


def test_a_consumer_without_group_coordination_is_never_out() -> None:
    assert not out_of_group(object())


def test_health_turns_only_after_the_limit_and_comes_back(caplog) -> None:
    consumer, clock = Consumer(Coordinator(1, Rejoin(False))), Clock()
    watch = GroupWatch(lambda: consumer, limit_s=90, clock=clock)
    watch.check()
    assert watch.healthy() and watch.out_of_group_s() == 0
    consumer._coordinator.coordinator_id = None  # "Marking the coordinator dead"
    for _ in range(17):  # 85 s of checks every 5 s: a long rebalance, still healthy
        watch.check()
        clock.now += 5
    assert watch.healthy()
    clock.now += 10
    watch.check()
    assert not watch.healthy() and watch.out_of_group_s() >= 90
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "aiokafka#1154" in errors[0].getMessage()
    watch.check()  # said once, not per check
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1
    consumer._coordinator.coordinator_id = 1  # back
    watch.check()
    assert watch.healthy() and watch.out_of_group_s() == 0


def test_a_consumer_that_cannot_be_read_counts_as_in_the_group() -> None:
    def broken() -> Any:
        raise RuntimeError("consumer not started")

    watch = GroupWatch(broken, limit_s=10)
    watch.check()
    assert watch.healthy() and watch.out_of_group_s() == 0
