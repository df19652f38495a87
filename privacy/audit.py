"""``sanitizer audit``: prove that sanitized output holds none of the secrets we know of.

Scans a JSONL file of sanitized events for: canaries (strings planted upstream that must never
come out, such as typed sentences), a list of raw identifiers (logins, hostnames, session ids),
the employee directory (names, emails, logins), and every Presidio recognizer of
``transforms.recognizers.build_analyzer``. Pseudonym fields must hold pseudonyms (hex), and
placeholders such as ``<PERSON>`` are what scrubbing leaves, so neither is a finding. A finding
names the line and field and shows at most the first two characters and the length of what was
found. The exit code is 1 when anything is found.

The source is a JSONL file, or with ``--topic`` a Kafka topic read from its beginning to the end
offsets it has when the audit starts (connection settings from the ``SANITIZER_*`` environment,
as for the worker). For a topic, a finding's "line" is the record's number in the scan, and the
summary maps it to a partition and offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick
import orjson
import typer

from transforms.directory import Directory
from transforms.recognizers import build_analyzer

PSEUDONYM_FIELDS = ("user_id", "device_id", "session_id", "event_id")
_PSEUDONYM = re.compile(r"^[0-9a-f]{32}$")
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
_FILE_NAME = re.compile(r"^[\w.-]+$")
URL_FIELDS = ("url",)
# Not personal in themselves, and kept on purpose: dates (training wants them) and UUIDs.
EXCUSED_ENTITIES = frozenset({"DATE_TIME", "UUID"})
MIN_NEEDLE = 3
SCORE_THRESHOLD = 0.4
CACHE_SIZE = 65_536  # distinct texts remembered (titles repeat heavily)


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    field: str
    kind: str
    hint: str

    def describe(self) -> str:
        return f"line {self.line}, field {self.field}: {self.kind} {self.hint}"


def hint(secret: str) -> str:
    """Enough to find the secret again, not enough to learn it."""
    return f"{secret[:2]!r}… ({len(secret)} chars)"


class NeedleSet:
    """Known strings (canaries, raw identifiers), found case-insensitively as substrings."""

    def __init__(self, kind: str, needles: Iterable[str]) -> None:
        self.kind = kind
        self._automaton = ahocorasick.Automaton()
        for number, needle in enumerate(needles, 1):
            folded = needle.strip().casefold()
            if len(folded) >= MIN_NEEDLE:
                self._automaton.add_word(folded, (number, needle.strip()))
        self.size = len(self._automaton)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str) -> Iterator[str]:
        if not self.size:
            return
        for _, (number, needle) in self._automaton.iter(text.casefold()):
            yield f"#{number} {hint(needle)}"


class Scanner:
    def __init__(
        self, needles: list[NeedleSet], directory: Directory | None, presidio: bool = True
    ) -> None:
        self.needles = needles
        self.directory = directory
        self.analyzer = build_analyzer() if presidio else None
        self._cache: dict[tuple[str, bool], list[tuple[str, str]]] = {}

    def _recognized(self, text: str, is_url: bool) -> list[tuple[str, str]]:
        key = (text, is_url)
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            found = []
            cleaned = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)
            if self.directory is not None:
                found += [
                    ("directory " + e, cleaned[s:t]) for s, t, e in self.directory.find(cleaned)
                ]
            if self.analyzer is not None and cleaned.strip():
                for result in self.analyzer.analyze(
                    cleaned, language="en", score_threshold=SCORE_THRESHOLD
                ):
                    value = cleaned[result.start : result.end]
                    entity = result.entity_type
                    if entity in EXCUSED_ENTITIES or (
                        entity == "URL" and (is_url or _FILE_NAME.match(value))
                    ):
                        continue
                    found.append(("presidio " + entity, value))
            self._cache[key] = found
        return self._cache[key]

    def scan_value(self, line: int, path: str, name: str, text: str) -> Iterator[Finding]:
        for needles in self.needles:
            for match in needles.find(text):
                yield Finding(line, path, needles.kind, match)
        if name in PSEUDONYM_FIELDS:
            if not _PSEUDONYM.match(text):
                yield Finding(line, path, "identifier not pseudonymized", hint(text))
            return  # hex pseudonyms are noise to the recognizers
        if name == "key_id":
            return
        for kind, value in self._recognized(text, name in URL_FIELDS):
            yield Finding(line, path, kind, hint(value))

    def scan_lines(self, lines: Iterable[bytes | str]) -> Iterator[Finding]:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield Finding(number, "-", "not JSON", "(line not shown)")
                continue
            for path, name, text in strings(document):
                yield from self.scan_value(number, path, name, text)


def strings(value: Any, path: str = "", name: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, field name, text) of every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield path or "(value)", name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child + " (key)", "", str(key)
            yield from strings(item, child, str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]", name)


def read_needles(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def topic_records(topic: str, bootstrap: str | None) -> Iterator[tuple[str, bytes]]:
    """(partition/offset, value) of every record now in ``topic``, from the beginning."""
    from kafka import KafkaConsumer, TopicPartition  # only the topic source needs a client

    from streams.broker_wait import raise_if_refused
    from streams.settings import load_settings

    overrides = {"bootstrap_servers": bootstrap} if bootstrap else {}
    settings = load_settings(**overrides)
    raise_if_refused(settings)  # a wrong password says so, rather than timing out
    consumer = KafkaConsumer(enable_auto_commit=False, **settings.kafka_python_config())
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            raise typer.BadParameter(f"topic {topic!r} does not exist", param_hint="--topic")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        while pending:
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if record.offset < ends[tp] and record.value is not None:
                        yield f"{tp.partition}/{record.offset}", record.value
                if consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        consumer.close()


def values_noting_location(
    records: Iterable[tuple[str, bytes]], where: list[str]
) -> Iterator[bytes]:
    """The values, while ``where[n - 1]`` keeps the location of the n-th one for the report."""
    for location, value in records:
        where.append(location)
        yield value
