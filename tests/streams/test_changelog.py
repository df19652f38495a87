"""Reading a changelog partition back does not wait for the reader's connections to close."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from aiokafka import TopicPartition

from streams import changelog
from streams.settings import ServiceSettings


class Record:
    def __init__(self, offset: int) -> None:
        self.key, self.value = f"stage:{offset}".encode(), b"1"
        self.headers = [("o", str(offset + 1).encode())]


class SlowToCloseConsumer:
    """aiokafka's consumer over a partition holding ``size`` records, whose ``stop`` waits
    until ``closed`` is set, as a TLS connection on uvloop does for 30 s when a fetch answer
    arrives after its close_notify (MagicStack/uvloop#471)."""

    instances: ClassVar[list[SlowToCloseConsumer]] = []

    def __init__(self, size: int = 3, **options: Any) -> None:
        self.size, self.options = size, options
        self.closed = asyncio.Event()
        self.stopping = self.stopped = False
        self._position = 0
        SlowToCloseConsumer.instances.append(self)

    async def start(self) -> None:
        pass

    def assign(self, partitions: list[TopicPartition]) -> None:
        (self.tp,) = partitions

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, self.size)

    async def seek_to_beginning(self, tp: TopicPartition) -> None:
        self._position = 0

    async def position(self, tp: TopicPartition) -> int:
        return self._position

    async def getmany(self, tp: TopicPartition, timeout_ms: int) -> dict[TopicPartition, Any]:
        records = [Record(offset) for offset in range(self._position, self.size)]
        self._position = self.size
        return {tp: records}

    async def stop(self) -> None:
        self.stopping = True
        await self.closed.wait()
        self.stopped = True


@pytest.fixture
def slow_to_close(monkeypatch: pytest.MonkeyPatch) -> list[SlowToCloseConsumer]:
    SlowToCloseConsumer.instances = []
    monkeypatch.setattr(changelog, "AIOKafkaConsumer", SlowToCloseConsumer)
    return SlowToCloseConsumer.instances


async def test_a_restore_reads_the_partition_without_waiting_for_the_reader_to_close(
    slow_to_close,
):
    settings = ServiceSettings(consumer_group="group")
    entries = await asyncio.wait_for(changelog.read_changelog(settings, 1), timeout=5)

    assert [(key, headers) for key, _, headers in entries] == [
        (f"stage:{offset}".encode(), [("o", str(offset + 1).encode())]) for offset in range(3)
    ]
    (reader,) = slow_to_close
    assert reader.tp == TopicPartition("group-session-state-changelog", 1)
    await asyncio.sleep(0)  # the close has begun and goes on in the background
    assert reader.stopping and not reader.stopped
    assert len(changelog._closing) == 1

    reader.closed.set()
    await asyncio.wait_for(asyncio.gather(*changelog._closing), timeout=5)
    assert reader.stopped
    assert not changelog._closing  # forgotten once closed


async def test_a_reader_that_fails_to_close_is_forgotten(slow_to_close):
    class FailsToClose(SlowToCloseConsumer):
        async def stop(self) -> None:
            raise OSError("connection reset")

    closing = changelog.close_in_background(FailsToClose())  # type: ignore[arg-type]
    with pytest.raises(OSError):
        await closing
    await asyncio.sleep(0)
    assert closing not in changelog._closing
