"""What ``sanitizer demo`` shows: live rates, raw events beside the worker's output, next steps.

The sanitized side of each example is read back from the sanitized topic, i.e. it is what the
worker wrote, not a local re-run. To find it, the demo computes the example's event-id
pseudonym with the same throwaway key (possible only because the demo made that key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from localdev.synthetic.message import Message
from streams.settings import ServiceSettings
from transforms.context import Context
from transforms.directory import Directory
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Sanitized
from transforms.policy import build_pipeline, load_policy

Sample = tuple[float, int, dict[str, float]]  # monotonic time, events produced, worker metrics


@dataclass
class Examples:
    """The first raw event of each kind worth showing, picked as the feed sends them, and every
    message sent: stateful stages (typing summaries, seq renumbering) decide an event's fate
    from the events before it, so finding what became of one means replaying them all."""

    picked: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    sent: list[bytes] = field(default_factory=list)
    _last: dict[str, tuple[str, str]] = field(default_factory=dict)  # user -> (type, key)

    def consider(self, message: Message, value: bytes) -> None:
        self.sent.append(value)
        event = message.events[0]
        previous = self._last.get(message.key, ("", ""))
        if isinstance(event, dict):
            self._last[message.key] = (event["type"], event.get("key", ""))
        if message.malformed or not isinstance(event, dict) or len(self.picked) == 6:
            return
        kind, title = event["type"], event.get("window_title", "")
        label = None
        if event.get("app") == "1Password":
            label = "password manager (dropped by policy)"
        elif kind == "window_focus" and any(c.isdigit() or c == "@" for c in title):
            label = "window focus: title and URL with PII"
        elif kind == "key_down" and len(event["key"]) == 1 and _starts_burst(previous):
            label = "keystroke (the first of a typing burst)"
        elif kind in ("text_input", "clipboard"):
            label = f"{kind}: typed or pasted text"
        elif kind == "mouse_move":
            label = f"mouse move (first of a batch of {len(message.events)})"
        if label is not None:
            name = label.split(" (")[0].split(":")[0]
            self.picked.setdefault(name, (label, len(self.sent) - 1, event))


def _starts_burst(previous: tuple[str, str]) -> bool:
    """After anything but a key, or right after Shift went down for a capital."""
    return previous[0] not in ("key_down", "key_up") or previous == ("key_down", "Shift")


def rates_table(history: list[Sample], target_rate: float) -> Table:
    now, produced, metrics = history[-1]
    then, produced_before, before = history[max(0, len(history) - 3)]
    span = max(now - then, 1e-9)

    def rate(name: str) -> float:
        return (metrics.get(name, 0.0) - before.get(name, 0.0)) / span

    table = Table(title="live: collectors → raw topic → worker → sanitized / quarantine")
    for column in ("", "per second", "total"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("raw events produced", f"{(produced - produced_before) / span:,.0f}",
                  f"{produced:,}")  # fmt: skip
    table.add_row("events read by the worker", f"{rate('sanitizer_events_in_total'):,.0f}",
                  f"{metrics.get('sanitizer_events_in_total', 0):,.0f}")  # fmt: skip
    table.add_row("sanitized events written", f"{rate('sanitizer_events_out_total'):,.0f}",
                  f"{metrics.get('sanitizer_events_out_total', 0):,.0f}")  # fmt: skip
    table.add_row("quarantined", "", f"{metrics.get('sanitizer_quarantined_total', 0):,.0f}")
    table.add_row("dropped by policy", "", f"{metrics.get('sanitizer_dropped_total', 0):,.0f}")
    table.add_row("consumer lag (messages)", "", f"{metrics.get('sanitizer_consumer_lag', 0):,.0f}")
    reasons = sorted(
        (name.split("=", 1)[1].rstrip("}"), value)
        for name, value in metrics.items()
        if name.startswith("sanitizer_quarantined_total{reason=")
    )
    table.caption = f"target {target_rate:,.0f} events/s; quarantine reasons: " + (
        ", ".join(f"{reason} {value:,.0f}" for reason, value in reasons) or "none yet"
    )
    return table


def _find_written(
    settings: ServiceSettings, wanted: set[str], timeout: float = 20.0
) -> dict[str, bytes]:
    """Records of the sanitized topic whose event_id is in ``wanted``, read from the start."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**settings.kafka_python_config(), enable_auto_commit=False)
    found: dict[str, bytes] = {}
    try:
        topic = settings.sanitized_topic
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        for records in _poll_until(consumer, ends, timeout):
            for record in records:
                for event_id in wanted - found.keys():
                    if event_id.encode() in record.value:  # cheap test before decoding
                        found[event_id] = record.value
            if found.keys() == wanted:
                break
    finally:
        consumer.close()
    return found


def _poll_until(consumer: Any, ends: dict[Any, int], timeout: float) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        consumer.position(tp) < end for tp, end in ends.items()
    ):
        yield from consumer.poll(timeout_ms=500, max_records=5000).values()


def show_examples(
    console: Console,
    examples: Examples,
    settings: ServiceSettings,
    hmac_key: str,
    key_id: str,
    directory: Path,
) -> None:
    context = Context(
        keyring=Keyring(hmac_key.encode(), key_id), directory=Directory.from_csv(directory)
    )
    pipeline = build_pipeline(load_policy(None), context)
    wanted_at = {index: name for name, (_, index, _) in examples.picked.items()}
    outcomes = {}
    with console.status("replaying the feed to find what became of each example..."):
        for index, value in enumerate(examples.sent):  # the worker saw them in this order
            results = pipeline.sanitize_message(value)
            if index in wanted_at:
                outcomes[wanted_at[index]] = results[0]
        wanted = {o.event["event_id"] for o in outcomes.values() if type(o) is Sanitized}
        written = _find_written(settings, wanted)
    console.rule("raw events beside what the worker wrote for them")
    for name, (label, _, raw) in examples.picked.items():
        outcome = outcomes[name]
        record = None
        if type(outcome) is Sanitized:
            record = written.get(outcome.event["event_id"])
        console.print(_side_by_side(label, raw, outcome, record))
        if record is not None:
            console.out(record.decode(), highlight=False)  # the literal record, one line


def _side_by_side(label: str, raw: dict[str, Any], outcome: object, record: bytes | None) -> Table:
    table = Table(title=label, title_justify="left", expand=True)
    table.add_column("field", style="bold")
    table.add_column("raw (collector)", ratio=1, overflow="fold")
    table.add_column("sanitized (interactions.sanitized)", ratio=1, overflow="fold")
    sanitized = orjson.loads(record) if record is not None else {}
    removed = Text("— removed", style="dim")
    if type(outcome) is Dropped:
        removed = Text(f"nothing written for this event (rule {outcome.rule})", style="dim")
    elif record is None:
        removed = Text("not found in the sanitized topic", style="dim")
    for key in list(raw) + [k for k in sanitized if k not in raw]:
        after = _cell(sanitized[key]) if key in sanitized else removed
        table.add_row(key, _cell(raw[key]) if key in raw else Text(""), after)
        if not sanitized:
            removed = Text("")  # said once is enough
    return table


def _cell(value: Any) -> Text:
    return Text(value if isinstance(value, str) else orjson.dumps(value).decode())


def next_steps(console: Console) -> None:
    names = ", ".join(f"SANITIZER_{name.upper()}" for name in ServiceSettings.model_fields)
    console.print(Panel.fit(
        "Point it at a real cluster instead:\n"
        "  export SANITIZER_BOOTSTRAP_SERVERS=broker-1:9093,broker-2:9093\n"
        "  export SANITIZER_SECURITY_PROTOCOL=SASL_SSL\n"
        "  export SANITIZER_SASL_MECHANISM=SCRAM-SHA-512\n"
        "  export SANITIZER_SASL_USERNAME=sanitizer SANITIZER_SASL_PASSWORD=...\n"
        "  export SANITIZER_HMAC_KEY_FILE=/run/secrets/hmac-key  # a real, secret key\n"
        "  export SANITIZER_DIRECTORY_PATH=/etc/sanitizer/directory.csv\n"
        "  sanitizer topics create && sanitizer worker\n\n"
        f"All settings: {names}",
        title="next", border_style="green",
    ))  # fmt: skip
