"""summarize_typing: typing becomes a few coarse summary events per clock window.

Text-entry key events (letters, digits, punctuation, spaces, Backspace/Delete, and Shift or
Caps Lock on their own) are absorbed. In their place the stage emits ``text_input`` events with
``field: "typing"``, the characters typed so far in the burst as a length bucket
(``text_length``) and the corrections (Backspace/Delete) so far as another bucket
(``corrections``). A summary is emitted only when a bucket changes (with
``emit_on_corrections: false``, only when the character bucket changes), so 40 characters yield
three events (1-4, 5-16, 17-64) whatever the typist's speed or rhythm; the last summary of a
burst is its total. A burst lives inside one clock-aligned window of ``window_ms`` and its
summaries carry the window's start as ``ts``. Shortcuts (a key with Ctrl, Alt or Meta), Enter,
navigation and function keys are commands, not text: they pass through and end the burst, as
does any other event. ``idle_ms`` (off by default) also ends a burst at a pause.

Privacy property: per-key timing, rhythm, rollover, hold times, pauses, the key-class sequence
inside a burst (where corrections fall, Shift versus Caps Lock) and exact counts are gone; per
burst, what is left is its clock window, two coarse counts and its order among other events.
Burst boundaries come from the clock and from the user's other actions, never from the
typist's timing: splitting at pauses (``idle_ms``) was measured to leak pause habits. What
remains measurable is coarse speed over many windows (characters per window, in buckets).
Run ``renumber_seq`` after this stage, or the ``seq`` gaps give the exact key counts back.

Emitting in place of the key that moved a bucket means no event is delayed, and nothing is
lost at the end of a session, which a "summary when the burst ends" design cannot promise
when a transform returns one event per input. Consumers take the last summary per burst.
State is per session (the open burst's window and counts), kept in the context's session store
(``transforms.state``: by default in memory, bounded by ``max_sessions`` with least recently
used eviction), and deterministic for a given input order (Kafka partitions by
user, so one instance sees a user's events in order). An evicted session starts a new burst.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key
from transforms.strip_typed_text import length_bucket

CHARACTER_CLASSES = frozenset({"letter", "digit", "punctuation", "whitespace"})
CORRECTION_CLASSES = frozenset({"editing"})
SILENT_CLASSES = frozenset({"modifier"})  # Shift, Caps Lock: absorbed, not counted
SHORTCUT_MODIFIERS = frozenset({"ctrl", "alt", "meta"})
SUMMARY_FIELD = "typing"
_ENVELOPE = (
    "event_id",
    "user_id",
    "device_id",
    "session_id",
    "key_id",
    "seq",
    "app",
    "window_title",
    "url",
    "os",
    "screen",
)


class SummarizeTypingConfig(TransformConfig):
    window_ms: int = Field(
        120_000, ge=1000, description="typing is summarized per clock-aligned window this long"
    )
    summary_ts: Literal["window", "first_key"] = Field(
        "window", description="ts of a summary: its window's start, or its first key's ts"
    )
    idle_ms: int | None = Field(
        None, ge=1, description="also end a burst after a pause this long (pauses identify)"
    )
    emit_on_corrections: bool = Field(
        False, description="also emit when only the corrections bucket changes (leaks more)"
    )
    length_buckets: tuple[int, ...] = Field(
        (1, 5, 17, 65, 257), description="lower bounds of the character-count buckets"
    )
    correction_buckets: tuple[int, ...] = Field(
        (1, 5, 17), description="lower bounds of the correction-count buckets"
    )
    max_sessions: int = Field(100_000, ge=1, description="sessions whose open burst is kept")

    @field_validator("length_buckets", "correction_buckets")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] < 1:
            raise ValueError("must be distinct positive integers in ascending order")
        return value


def is_text_entry(event: Event) -> bool:
    """A key event that types or corrects text (as opposed to a command or shortcut)."""
    if event["type"] not in ("key_down", "key_up"):
        return False
    if SHORTCUT_MODIFIERS.intersection(event.get("modifiers") or ()):
        return False
    cls = event.get("key_class")
    return cls in CHARACTER_CLASSES or cls in CORRECTION_CLASSES or cls in SILENT_CLASSES


@register("summarize_typing", SummarizeTypingConfig)
def summarize_typing(config: SummarizeTypingConfig, context: Context) -> Transform:
    """Replace typing bursts by coarse summaries (characters and corrections, bucketed)."""
    # Per session, the open burst: [window, start ts, last ts, characters, corrections,
    # emitted length bucket, emitted corrections bucket] (plain values: see transforms.state).
    bursts = context.session_state("summarize_typing", config.max_sessions)
    window_ms, idle_ms = config.window_ms, config.idle_ms

    def summarize(event: Event) -> Event | None:
        session = session_key(event)
        if not is_text_entry(event):
            bursts.pop(session, None)  # a command or any other event ends the burst
            return event
        if event["type"] == "key_up":
            return None  # releases carry only timing
        ts = event["ts"]
        window = ts - ts % window_ms
        burst = bursts.get(session)
        if burst is None or burst[0] != window or (idle_ms is not None and ts - burst[2] > idle_ms):
            burst = [window, ts, ts, 0, 0, "0", "0"]
        characters, corrections = burst[3], burst[4]
        cls = event.get("key_class")
        if cls in CHARACTER_CLASSES:
            characters += 1
        elif cls in CORRECTION_CLASSES:
            corrections += 1
        buckets = (
            length_bucket(characters, config.length_buckets),
            length_bucket(corrections, config.correction_buckets),
        )
        emitted = (burst[5], burst[6])
        silent = buckets == emitted or (not config.emit_on_corrections and buckets[0] == emitted[0])
        if not silent:
            emitted = buckets
        bursts[session] = [window, burst[1], ts, characters, corrections, *emitted]
        if silent:
            return None
        summary = {name: event[name] for name in _ENVELOPE if name in event}
        summary.update(
            ts=window if config.summary_ts == "window" else burst[1],
            type="text_input",
            field=SUMMARY_FIELD,
            text_length=buckets[0],
            corrections=buckets[1],
        )
        return summary

    return summarize
