"""``sanitizer demo``: the whole service on this machine in half a minute, then cleaned away.

It starts a local Kafka broker (the ``LocalKafka`` the tests use), creates the topics, starts
one ``sanitizer worker`` child process, feeds it simulated collector traffic, shows live rates
from the worker's Prometheus endpoint, and finally puts a few raw events beside what the worker
wrote for them. The worker's HMAC key is generated for this run, passed only in the child's
environment, never printed, and forgotten at exit: demo output cannot be linked to anything.
Nothing outlives the command, also on Ctrl-C (which only ends the feed early) or SIGTERM.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live

from localdev.demo_view import Examples, rates_table, show_examples
from localdev.simulate import Pacer, make_producer
from localdev.synthetic import malformed
from localdev.synthetic.pii import write_directory_csv
from localdev.synthetic.sessions import generate
from localdev.worker_process import (
    WorkerError,
    WorkerProcess,
    clean_environment,
    free_port,
    worker_command,
)
from streams.settings import ServiceSettings

DEMO_KEY_ID = "DEMO-ONLY-THROWAWAY-KEY"
console = Console()


class Feed(threading.Thread):
    """Simulated collectors producing to the raw topic at ``rate`` events/s until stopped."""

    def __init__(self, settings: ServiceSettings, users: int, rate: float, seed: int) -> None:
        super().__init__(name="demo-feed", daemon=True)
        self.people, stream = generate(seed, users)
        self.messages = malformed.inject(stream, 0.003, seed)
        self.settings, self.rate = settings, rate
        self.stop, self.events = threading.Event(), 0
        self.error: Exception | None = None
        self.examples = Examples()

    def run(self) -> None:
        try:
            producer = make_producer(None, settings=self.settings, linger_ms=5)
            pacer = Pacer(self.rate)
            for message in self.messages:
                if self.stop.is_set():
                    break
                value = message.value()
                self.examples.consider(message, value)
                producer.send(self.settings.raw_topic, key=message.key.encode(), value=value)
                self.events += len(message.events)
                pacer.pace(len(message.events))
            producer.flush()
            producer.close(timeout=10)
        except Exception as error:  # reported by the main thread
            self.error = error


def _settings(bootstrap: str, partitions: int) -> ServiceSettings:
    # An env prefix nobody sets: a shell configured for a real cluster must not leak in here.
    return ServiceSettings(
        _env_prefix="SANITIZER_DEMO_IGNORES_ENV_",  # type: ignore[call-arg]
        bootstrap_servers=bootstrap,
        partitions=partitions,
    )


def run_demo(stack: ExitStack, seconds: float, users: int, rate: float, seed: int) -> None:
    """Broker, topics, one worker child, fed simulated traffic; all stopped by ``stack``."""
    from localdev.kafka import LocalKafka
    from streams.topics import create_topics

    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sanitizer-demo-")))
    with console.status("starting Kafka (the first run fetches its jars with Maven)..."):
        kafka = stack.enter_context(LocalKafka())
    console.print(f"[green]✓[/] Kafka broker at {kafka.bootstrap} (pid {kafka.pid})")
    settings = _settings(kafka.bootstrap, partitions=4)
    created = create_topics(settings)
    console.print(f"[green]✓[/] topics: {', '.join(created.created + created.existing)}")

    feed = Feed(settings, users, rate, seed)
    directory = workdir / "directory.csv"
    write_directory_csv(feed.people, directory)
    hmac_key = secrets.token_hex(32)  # demo-only: lives in the child's env for this run only
    port = free_port()
    env = clean_environment({
        "SANITIZER_BOOTSTRAP_SERVERS": kafka.bootstrap, "SANITIZER_PARTITIONS": "4",
        "SANITIZER_HMAC_KEY": hmac_key, "SANITIZER_HMAC_KEY_ID": DEMO_KEY_ID,
        "SANITIZER_DIRECTORY_PATH": str(directory), "SANITIZER_DATA_DIR": str(workdir / "worker"),
        "SANITIZER_METRICS_PORT": str(port), "SANITIZER_WEB_BIND": "127.0.0.1",
        "SANITIZER_CONSUMER_GROUP": "sanitizer-demo", "SANITIZER_LOG_LEVEL": "warning",
    })  # fmt: skip
    worker = stack.enter_context(WorkerProcess(worker_command(), env, workdir / "worker.log", port))
    with console.status("starting the worker (policy, directory, consumer group)..."):
        took = worker.wait_healthy()
    console.print(
        f"[green]✓[/] worker pid {worker.pid} healthy after {took:.1f} s "
        f"(throwaway HMAC key id {DEMO_KEY_ID}, not printed)"
    )
    _feed_and_watch(feed, worker, seconds)
    show_examples(console, feed.examples, settings, hmac_key, DEMO_KEY_ID, directory)
    console.print("stopping the worker and the broker...")


def _feed_and_watch(feed: Feed, worker: WorkerProcess, seconds: float) -> None:
    history: list[tuple[float, int, dict[str, float]]] = []

    def sample() -> Any:
        history.append((time.monotonic(), feed.events, worker.metrics()))
        return rates_table(history, feed.rate)

    feed.start()
    deadline = time.monotonic() + seconds
    with Live(sample(), console=console, auto_refresh=False) as live:
        try:
            while time.monotonic() < deadline and feed.is_alive():
                time.sleep(1.0)
                live.update(sample(), refresh=True)
                if not console.is_terminal and len(history) % 5 == 0:
                    console.print(live.renderable)
        except KeyboardInterrupt:
            console.print("[yellow]Ctrl-C: ending the feed early[/]")
        feed.stop.set()
        feed.join(15)
        drain_until = time.monotonic() + 30
        while time.monotonic() < drain_until:  # let the worker catch up with what was sent
            if history[-1][2].get("sanitizer_events_in_total", 0) >= feed.events:
                break
            time.sleep(0.5)
            live.update(sample(), refresh=True)
    if feed.error is not None:
        raise WorkerError(f"the simulated collectors failed: {feed.error!r}")
