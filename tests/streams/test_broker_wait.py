"""Waiting for a broker that is not there: unreachable is retried, /healthz says 503 meanwhile.

No broker here (unit tests); the real broker cases are in tests/integration/test_worker_outage.py
(waiting, joining, an outage) and test_security.py (refusals).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import urllib.error
import urllib.request

import orjson
import pytest

from streams.broker_wait import (
    BrokerUnreachableError,
    WaitingPages,
    describe,
    probe,
    wait_until_reachable,
)
from streams.settings import ServiceSettings


def closed_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])  # closed again when we return


async def test_a_closed_port_is_unreachable_not_refused() -> None:
    settings = ServiceSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}")
    with pytest.raises(BrokerUnreachableError, match=r"Connect call failed|refused"):
        await probe(settings)


def test_an_untrusted_certificate_is_described_in_one_line() -> None:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "self-signed certificate in certificate chain"
    text = describe(error)
    assert (
        text == "the broker's TLS certificate is not trusted (self-signed certificate in "
        "certificate chain)"
    )
    assert "\n" not in text


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


async def test_healthz_answers_503_naming_the_servers_while_waiting() -> None:
    port = closed_port()
    pages = WaitingPages("kafka-1:9093,kafka-2:9093")
    runner = await pages.start("127.0.0.1", port)
    assert runner is not None
    try:
        status, body = await asyncio.to_thread(get, port, "/healthz")
        assert status == 503
        assert orjson.loads(body)["waiting_for_kafka"] == "kafka-1:9093,kafka-2:9093"
        assert (await asyncio.to_thread(get, port, "/metrics"))[0] == 503
    finally:
        await runner.cleanup()


async def test_the_wait_backs_off_and_says_so_once_per_try(caplog) -> None:
    settings = ServiceSettings(
        bootstrap_servers=f"127.0.0.1:{closed_port()}",
        metrics_port=closed_port(),
        web_bind="127.0.0.1",
        kafka_wait_max_backoff_s=2,
    )
    caplog.set_level("INFO", logger="streams.broker_wait")

    def waiting() -> list[str]:
        return [r.getMessage() for r in caplog.records if "waiting for Kafka" in r.getMessage()]

    # Counted in tries, not in wall time: a loaded machine makes each try slower.
    task = asyncio.ensure_future(wait_until_reachable(settings))
    for _ in range(300):
        if len(waiting()) >= 3 or task.done():
            break
        await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    lines = waiting()
    assert len(lines) >= 3, lines
    assert all(settings.bootstrap_servers in line for line in lines)
    delays = [line.split("next try in ")[1] for line in lines[:3]]
    assert delays == ["1 s", "2 s", "2 s"], lines  # doubled, then capped at 2 s
