"""Support for the worker integration tests: traffic with canaries, Kafka I/O, an oracle.

The oracle is the batch pipeline run in the test process on the very messages produced: the
worker must publish exactly its sanitized events and quarantine exactly its rejects, each once.
The canary and raw-identifier scans are the independent check: they do not trust the pipeline.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from transforms.context import Context
from transforms.event import Quarantined
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy

TEST_HMAC_KEY = "integration-test-hmac-key-0123456789"
T0 = 1_778_758_000_000  # 2026-05-14, a plausible collector timestamp

TITLES = (
    "Inbox - {email} - Outlook",
    "RE: offer for {email} - Message (HTML)",
    "JIRA-4411 payment bug - Jira",
    "Quarterly plan.xlsx - Excel",
)

Message = tuple[bytes | None, bytes | None]  # key, value


def oracle_pipeline() -> Pipeline:
    """The default policy with the test key: what the worker runs, built in-process."""
    context = Context(keyring=Keyring(TEST_HMAC_KEY.encode()))
    return build_pipeline(load_policy(None), context)


@dataclass
class Traffic:
    """Synthetic collector traffic: every secret is recorded so the outputs can be scanned."""

    seed: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    secrets: set[str] = field(default_factory=set)  # raw ids, emails, canaries
    _seq: dict[str, int] = field(default_factory=dict)
    _session: dict[str, str] = field(default_factory=dict)  # one login session per user
    _canaries: int = 0

    def user(self, n: int) -> str:
        user_id = f"user{n}.{self.seed}@corp.example"
        self.secrets.add(user_id)
        return user_id

    def canary(self) -> str:
        self._canaries += 1
        value = f"CANARY{self.seed}{self._canaries:06d}"
        self.secrets.add(value)
        return value

    def event(self, user_id: str, kind: str, **fields: Any) -> dict[str, Any]:
        seq = self._seq.get(user_id, 0)
        self._seq[user_id] = seq + 1
        session = self._session.setdefault(user_id, str(uuid.uuid4()))
        device = f"LT-{self.seed}-{user_id.split('.')[0].upper()}"
        event_id = str(uuid.uuid4())
        self.secrets.update((device, session, event_id))
        event: dict[str, Any] = {
            "schema": "interaction/v1",
            "event_id": event_id,
            "user_id": user_id,
            "device_id": device,
            "session_id": session,
            "seq": seq,
            "ts": T0 + seq * 37,
            "type": kind,
            "app": "Microsoft Outlook",
            "os": "macOS 15.4",
        }
        if kind in ("key_down", "key_up"):
            event |= {"key": self.canary(), "code": self.canary(), "modifiers": ["shift"]}
        elif kind == "text_input":
            event |= {"text": f"my password is {self.canary()}", "field": "text"}
        elif kind == "clipboard":
            event |= {"action": "paste", "text": f"{self.canary()} {user_id}", "mime": "text"}
        elif kind in ("mouse_move", "click"):
            event |= {"x": seq % 1900, "y": seq % 1000}
        elif kind == "window_focus":
            title = TITLES[seq % len(TITLES)].format(email=user_id)
            event |= {"window_title": title, "url": f"https://mail.corp.example/u/{user_id}?q=1"}
        return event | fields

    def single(self, user_id: str, kind: str, **fields: Any) -> Message:
        return user_id.encode(), orjson.dumps(self.event(user_id, kind, **fields))

    def batch(self, user_id: str, kinds: Iterable[str]) -> Message:
        return user_id.encode(), orjson.dumps([self.event(user_id, kind) for kind in kinds])


KINDS = ("key_down", "key_up", "text_input", "clipboard", "mouse_move", "click", "window_focus")
# Kinds whose fate does not depend on pipeline state: the default policy's typing summary and
# key merge absorb or drop key events depending on what came before in the session (state a
# restarted worker does not have), and renumbers seq. Tests counting events across a restart
# or an opt-out use these.
# (mouse_move left with issue 9: the default policy drops every pointer move.)
STATELESS_KINDS = ("text_input", "clipboard", "click", "window_focus")


@dataclass(frozen=True)
class Produced:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def produce(bootstrap: str, topic: str, messages: Iterable[Message]) -> list[Produced]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10)
    try:
        pending = [(k, v, producer.send(topic, key=k, value=v)) for k, v in messages]
        producer.flush(timeout=60)
        return [Produced(f.get(30).partition, f.get(30).offset, k, v) for k, v, f in pending]
    finally:
        producer.close(timeout=10)


def read_topic(
    bootstrap: str,
    topic: str,
    timeout: float = 30.0,
    isolation_level: str = "read_uncommitted",
) -> list[ConsumerRecord]:
    """Every record in ``topic`` up to its end offsets at call time, partition by partition.
    ``read_committed`` skips records of aborted transactions (read it when no transaction is
    open, or it waits for them)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level=isolation_level
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout:.0f} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def committed_lag(bootstrap: str, group: str, topic: str) -> int:
    """Raw messages not yet committed by ``group`` (end offsets - committed offsets)."""
    # A consumer with the group's id that never subscribes only reads the group's offsets.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        return sum(ends[tp] - (consumer.committed(tp) or 0) for tp in partitions)
    finally:
        consumer.close()


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Expected:
    """What the oracle says the worker must publish for a set of produced messages."""

    sanitized: dict[str, dict[str, Any]] = field(default_factory=dict)  # pseudonymous event_id
    order: dict[str, list[str]] = field(default_factory=dict)  # user pseudonym -> event ids
    quarantined: list[tuple[int, int, str]] = field(default_factory=list)  # partition, offset
    dropped: dict[str, int] = field(default_factory=dict)
    summaries: int = 0  # sanitized events beyond one per input (a stage fanned out)

    def add(self, pipeline: Pipeline, produced: Iterable[Produced]) -> None:
        for message in produced:
            for outcome in pipeline.sanitize_message(message.value):
                if isinstance(outcome, Sanitized):
                    self.summaries += len(outcome.preceding)
                    for event in outcome.events:
                        self.sanitized[event["event_id"]] = event
                        self.order.setdefault(event["user_id"], []).append(event["event_id"])
                elif isinstance(outcome, Dropped):
                    self.dropped[outcome.rule] = self.dropped.get(outcome.rule, 0) + 1
                else:
                    assert isinstance(outcome, Quarantined)
                    self.quarantined.append((message.partition, message.offset, outcome.reason))


def leaked_secrets(records: Iterable[ConsumerRecord], secrets: set[str]) -> set[str]:
    """Secrets found anywhere in any key or value: one Aho-Corasick pass over all the bytes
    (tens of thousands of secrets, megabytes of output)."""
    automaton = ahocorasick.Automaton()
    for secret in secrets:
        automaton.add_word(secret, secret)
    automaton.make_automaton()
    found: set[str] = set()
    for record in records:
        for part in (record.key, record.value):
            if part:
                text = part.decode("utf-8", "replace")
                found.update(secret for _, secret in automaton.iter(text))
    return found


def sanitized_by_event_id(records: Iterable[ConsumerRecord]) -> dict[str, list[dict[str, Any]]]:
    seen: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        event = orjson.loads(record.value)
        seen.setdefault(event["event_id"], []).append(event)
    return seen


def health(worker: Any) -> dict[str, Any]:
    """The worker's ``/healthz`` report (a ``localdev.worker_process.WorkerProcess``)."""
    url = f"http://127.0.0.1:{worker.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return dict(orjson.loads(response.read()))
    except urllib.error.HTTPError as error:
        return dict(orjson.loads(error.read()))


def sanitizer_cli(env: dict[str, str], *args: str) -> str:
    """Run ``sanitizer ARGS`` (the real command line) with ``env`` as its only settings."""
    from localdev.worker_process import clean_environment

    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=clean_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
