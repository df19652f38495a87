"""A worker and a broker that is not there: it waits quietly, answers 503, joins, loses nothing.

Each test runs its own broker on fixed ports (the session broker must not go down), so that it
can be started after the worker, or killed and restarted on the same data. Bounds are generous
on purpose (a shared 2-core machine): they catch a flood (tens of thousands of lines, seconds of
CPU a second), not a slow run. The figures are printed for the README.
"""

from __future__ import annotations

import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from localdev.kafka import LocalKafka
from localdev.worker_process import WorkerProcess, clean_environment, free_port, worker_command
from streams.settings import ServiceSettings
from streams.topics import create_topics
from tests.integration.conftest import require_local_kafka
from tests.integration.worker_harness import (
    STATELESS_KINDS,
    TEST_HMAC_KEY,
    Expected,
    Traffic,
    oracle_pipeline,
    produce,
    read_topic,
    sanitized_by_event_id,
    wait_until,
)

# Lines a worker may write while its broker is down for ~10 s (the issue measured 83,000).
MAX_OUTAGE_LINES = 200
# CPU-seconds a worker may use while its broker is down for ~10 s (the issue measured 9.6).
MAX_OUTAGE_CPU_S = 3.0
WAITING = re.compile(r"waiting for Kafka")
ERROR_LINE = re.compile(r"\b(ERROR|WARNING|Unable|Traceback)\b")


@pytest.fixture
def broker_ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
def own_broker(broker_ports: tuple[int, int]) -> Iterator[LocalKafka]:
    """A broker of this test's own, not started yet."""
    require_local_kafka()
    broker = LocalKafka(port=broker_ports[0], controller_port=broker_ports[1])
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def outage_env(broker_ports: tuple[int, int], tmp_path: Path) -> dict[str, str]:
    suffix = f"{random.randrange(16**8):08x}"
    return {
        "SANITIZER_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_ports[0]}",
        "SANITIZER_RAW_TOPIC": f"raw-{suffix}",
        "SANITIZER_SANITIZED_TOPIC": f"sanitized-{suffix}",
        "SANITIZER_QUARANTINE_TOPIC": f"quarantine-{suffix}",
        "SANITIZER_OPTOUT_TOPIC": f"optout-{suffix}",
        "SANITIZER_PARTITIONS": "2",
        "SANITIZER_CONSUMER_GROUP": f"sanitizer-{suffix}",
        "SANITIZER_HMAC_KEY": TEST_HMAC_KEY,
        "SANITIZER_METRICS_PORT": str(free_port()),
        "SANITIZER_DATA_DIR": str(tmp_path / "worker"),
        "SANITIZER_SESSION_TIMEOUT_S": "10",
    }


@pytest.fixture
def worker(outage_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        process = WorkerProcess(
            worker_command(),
            clean_environment(outage_env),
            tmp_path / "worker.log",
            metrics_port=int(outage_env["SANITIZER_METRICS_PORT"]),
        )
        started.append(process.start())
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop(timeout=30)
            print(f"--- worker log (tail) ---\n{process.log_tail(40)}")


def create_service_topics(env: dict[str, str]) -> None:
    create_topics(
        ServiceSettings(**{k.removeprefix("SANITIZER_").lower(): v for k, v in env.items()})
    )


def healthz(process: WorkerProcess) -> tuple[int, dict[str, object]] | None:
    url = f"http://127.0.0.1:{process.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())
    except OSError:
        return None  # not listening (yet)


def log_lines(process: WorkerProcess) -> list[str]:
    return process.log_path.read_text(errors="replace").splitlines()


def traffic_messages(traffic: Traffic, n: int) -> list[tuple[bytes | None, bytes | None]]:
    rng = random.Random(n)
    users = [traffic.user(i) for i in range(8)]
    return [traffic.single(rng.choice(users), rng.choice(STATELESS_KINDS)) for _ in range(n)]


def all_sanitized(bootstrap: str, env: dict[str, str], expected: Expected) -> bool:
    records = read_topic(bootstrap, env["SANITIZER_SANITIZED_TOPIC"])
    return sanitized_by_event_id(records).keys() >= expected.sanitized.keys()


def test_worker_started_before_its_broker_waits_answers_503_then_joins(
    own_broker, outage_env, worker
):
    process = worker()
    wait_until(lambda: healthz(process) is not None, 60, "/healthz to answer during the wait")
    status, body = healthz(process) or (0, {})
    assert status == 503 and body["healthy"] is False, body
    assert body["waiting_for_kafka"] == outage_env["SANITIZER_BOOTSTRAP_SERVERS"], body
    time.sleep(12)  # backoff 1, 2, 4, 8 s: about four tries in this time
    assert process.running(), process.log_tail()
    waiting = [line for line in log_lines(process) if WAITING.search(line)]
    assert 1 <= len(waiting) <= 8, waiting
    assert all(outage_env["SANITIZER_BOOTSTRAP_SERVERS"] in line for line in waiting)
    assert not any("Traceback" in line for line in log_lines(process))

    own_broker.start()
    create_service_topics(outage_env)
    traffic, expected = Traffic(), Expected()
    produced = produce(own_broker.bootstrap, outage_env["SANITIZER_RAW_TOPIC"],
                       traffic_messages(traffic, 300))  # fmt: skip
    expected.add(oracle_pipeline(), produced)
    seconds = process.wait_healthy(timeout=120)  # the backoff is capped: it tries again soon
    wait_until(lambda: all_sanitized(own_broker.bootstrap, outage_env, expected), 60,
               "the events produced after the broker came up")  # fmt: skip
    print(f"waiting lines: {len(waiting)} in 12 s; healthy {seconds:.0f} s after the broker")


def test_broker_outage_is_quiet_idle_and_loses_nothing(own_broker, outage_env, worker):
    own_broker.start()
    create_service_topics(outage_env)
    process = worker()
    process.wait_healthy(timeout=120)
    traffic, expected, oracle = Traffic(), Expected(), oracle_pipeline()
    raw, bootstrap = outage_env["SANITIZER_RAW_TOPIC"], own_broker.bootstrap
    expected.add(oracle, produce(bootstrap, raw, traffic_messages(traffic, 500)))
    wait_until(lambda: all_sanitized(bootstrap, outage_env, expected), 60, "the first events")

    lines_before, cpu_before = len(log_lines(process)), process.cpu_seconds()
    own_broker.kill()
    time.sleep(10)
    outage = log_lines(process)[lines_before:]
    cpu = process.cpu_seconds() - cpu_before
    errors = [line for line in outage if ERROR_LINE.search(line)]
    own_broker.restart()

    expected.add(oracle, produce(bootstrap, raw, traffic_messages(traffic, 500)))
    wait_until(lambda: all_sanitized(bootstrap, outage_env, expected), 120,
               "every event after the broker came back")  # fmt: skip
    seen = sanitized_by_event_id(read_topic(bootstrap, outage_env["SANITIZER_SANITIZED_TOPIC"]))
    assert seen.keys() == expected.sanitized.keys(), "lost or unexpected events"
    assert process.running(), process.log_tail()
    print(f"outage of 10 s: {len(outage)} log lines ({len(errors)} errors), {cpu:.2f} CPU-s")
    print("\n".join(outage[:30]))
    assert len(outage) < MAX_OUTAGE_LINES, f"{len(outage)} lines in a 10 s outage"
    assert cpu < MAX_OUTAGE_CPU_S, f"{cpu:.1f} CPU-s in a 10 s outage"
