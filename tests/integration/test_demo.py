"""``sanitizer demo`` as a user runs it: a subprocess that must finish cleanly and leak nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import orjson
import pytest

from localdev.kafka import KAFKA_VERSION, default_cache_dir
from localdev.synthetic.sessions import generate

SEED, USERS = 11, 6
RUN_DEMO = "import typer; from cli.demo import demo; typer.run(demo)"


def _needs_kafka() -> None:
    if shutil.which("java") is None:
        pytest.skip("java is not installed; the demo cannot start a local Kafka broker")
    cached = (default_cache_dir() / f"kafka-{KAFKA_VERSION}" / ".complete").is_file()
    if not cached and shutil.which("mvn") is None:
        pytest.skip("Kafka jars are not cached and mvn is not installed to fetch them")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_shows_sanitized_events_and_leaves_nothing_behind() -> None:
    _needs_kafka()
    args = ["--seconds", "10", "--seed", str(SEED), "--users", str(USERS), "--rate", "1000"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANITIZER_")}
    env["COLUMNS"] = "200"
    env["SANITIZER_BOOTSTRAP_SERVERS"] = "must-not-be-used:9092"  # the demo ignores the env
    done = subprocess.run(
        [sys.executable, "-c", RUN_DEMO, *args],
        capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]

    records = [orjson.loads(line) for line in done.stdout.splitlines() if line.startswith('{"')]
    assert len(records) >= 3, output[-4000:]
    assert all(r["schema"] == "interaction.sanitized/v1" for r in records)
    assert {r["key_id"] for r in records} == {"DEMO-ONLY-THROWAWAY-KEY"}

    # Canaries: every raw identifier and name the simulation used (users and coworkers).
    people, _ = generate(SEED, USERS)
    canaries = {p.email for p in people} | {p.login for p in people}
    canaries |= {part for p in people for part in p.display_name.split()}
    for record in records:
        text = orjson.dumps(record).decode().lower()
        leaked = sorted(c for c in canaries if re.search(rf"\b{re.escape(c.lower())}\b", text))
        assert not leaked, f"raw identifiers in a sanitized record: {leaked}"
        assert "@" not in text and "lt-" not in text

    assert not re.search(r"[0-9a-f]{64}", output), "the HMAC key (64 hex digits) was printed"
    assert "SANITIZER_BOOTSTRAP_SERVERS" in output  # how to point at a real cluster

    pids = [int(p) for p in re.findall(r"\(pid (\d+)\)|worker pid (\d+)", output) for p in p if p]
    assert len(pids) == 2, output[:2000]
    time.sleep(1)
    assert not [pid for pid in pids if _alive(pid)], "the broker or the worker outlived the demo"
