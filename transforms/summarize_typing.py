"""summarize_typing: each typing run becomes one summary that says only how much was typed.

A *run* is the text entry between two of the user's other actions: consecutive key presses
that are typing (anything ``strip_typed_text.is_command`` does not accept: letters, digits,
punctuation, spaces, Shift+Enter, Backspace/Delete, Shift or Caps Lock alone, ``Unidentified``,
unknown names), together with the caret movement inside it (navigation keys, and Ctrl/Alt/Meta
with an editing or navigation key, such as Ctrl+Backspace, while a run is open). The run ends at
the next command key (Enter, Tab, Escape, F1-F24, a shortcut; navigation when no run is open) or
the next event of any other type except pointer moves, never at a pause and never at a clock
boundary. Its keys are absorbed; when it ends, the stage emits one ``text_input`` event with
``field: "typing"`` and ``text_length``, the net characters typed (characters minus
corrections) as a coarse bucket, just before the event that ended it (the stage then returns
both: a fan-out, see ``transforms.pipeline``). The summary takes the envelope (app, window,
seq) of the run's first key and, until ``anchor_keyboard_time`` re-times it, its ``ts``.

Privacy property: per-key timing, rhythm, rollover, hold times, pauses, bursts, speed, where
and how often corrections fall, caret movement and Shift versus Caps Lock are gone. Per run
what is left is that typing happened, in which app and window, roughly how much (net, so
correction habits do not move it) and its place among the other actions. The number of
summaries is the number of runs, which the user's other actions decide, not the typing. No
corrections count is emitted. Run ``renumber_seq`` after this stage (``seq`` gaps would count
the absorbed keys) and ``anchor_keyboard_time`` (the summary's ``ts`` would date the run).

Limits: a run that no later event ends (the session stops mid-sentence) is never emitted.
State is per session (the open run's envelope and two counts), kept in the context's session
store (``transforms.state``: by default in memory, bounded by ``max_sessions`` with least
recently used eviction); an evicted session loses its open run. Deterministic for a given
input order (Kafka partitions by user, so one instance sees a user's events in order).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key
from transforms.strip_typed_text import SHORTCUT_MODIFIERS, is_command, length_bucket

# "enter" counts only when it is typing (Shift+Enter, a line break): see is_command.
CHARACTER_CLASSES = frozenset(
    {"letter", "digit", "punctuation", "whitespace", "enter", "other", "typing"}
)
CORRECTION_CLASSES = frozenset({"editing"})
# Caret movement and word-wise editing inside an open run belong to the run, not to commands.
IN_RUN_CLASSES = frozenset({"navigation", "editing"})
SUMMARY_FIELD = "typing"
# [characters, corrections] that ``absorb_typing_runs`` took out of the session's open run.
HANDOFF_FIELD = "typing_absorbed"
_ENVELOPE = (
    "event_id",
    "user_id",
    "device_id",
    "session_id",
    "key_id",
    "seq",
    "ts",
    "app",
    "window_title",
    "url",
    "os",
    "screen",
)
# Pointer moves are not actions: they neither end a run nor are they typing.
_NOT_ACTIONS = frozenset({"mouse_move"})


class SummarizeTypingConfig(TransformConfig):
    length_buckets: tuple[int, ...] = Field(
        (1, 17, 129), description="lower bounds of the net character-count buckets"
    )
    max_sessions: int = Field(100_000, ge=1, description="sessions whose open run is kept")

    @field_validator("length_buckets")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] < 1:
            raise ValueError("must be distinct positive integers in ascending order")
        return value


def is_text_entry(event: Event, run_open: bool = False) -> bool:
    """A key event that is typing (fail closed: anything that is not a command), or, while a
    run is open, caret movement and word-wise editing inside it."""
    if event["type"] not in ("key_down", "key_up"):
        return False
    cls = event.get("key_class")
    modifiers = event.get("modifiers")
    return not is_command(cls, modifiers) or (run_open and moves_in_run(cls, modifiers))


def key_counts(cls: str | None, modifiers: object) -> tuple[bool, bool, bool]:
    """How a key press counts: (is a command, adds a character, adds a correction). The one
    reading of a key that this stage and ``absorb_typing_runs`` share."""
    command = is_command(cls, modifiers)
    return (
        command,
        not command and cls in CHARACTER_CLASSES,
        not command and cls in CORRECTION_CLASSES,
    )


def moves_in_run(cls: object, modifiers: object) -> bool:
    """A command that belongs to an open run: arrows, Home/End (also with Shift or Ctrl) and
    Ctrl/Alt+Backspace."""
    if cls not in IN_RUN_CLASSES:
        return False
    held = set(modifiers) if isinstance(modifiers, list) else set()
    return cls == "navigation" or bool(held & SHORTCUT_MODIFIERS)


@register("summarize_typing", SummarizeTypingConfig)
def summarize_typing(config: SummarizeTypingConfig, context: Context) -> Transform:
    """Replace each typing run by one summary (net characters, bucketed) when the run ends."""
    # Per session, the open run: [envelope of its first key, characters, corrections]
    # (plain values: see transforms.state).
    runs = context.session_state("summarize_typing", config.max_sessions)
    buckets = config.length_buckets

    def summary(run: list[object]) -> Event:
        envelope, characters, corrections = run
        net = max(int(characters) - int(corrections), 0)  # type: ignore[call-overload]
        return {
            **envelope,  # type: ignore[dict-item]
            "type": "text_input",
            "field": SUMMARY_FIELD,
            "text_length": length_bucket(net, buckets),
        }

    def summarize(event: Event) -> Event | list[Event] | None:
        kind = event["type"]
        if kind in _NOT_ACTIONS:
            return event
        session = session_key(event)
        run = runs.get(session)
        if HANDOFF_FIELD in event:  # keys absorb_typing_runs counted for this run
            event = dict(event)
            characters, corrections = event.pop(HANDOFF_FIELD)
            if run is not None:  # none: the run is gone (evicted, or pseudonyms rotated)
                run = [run[0], run[1] + characters, run[2] + corrections]
                runs[session] = run
        # is_text_entry, with the command test made once for the counts below.
        if kind == "key_down" or kind == "key_up":
            cls = event.get("key_class")
            modifiers = event.get("modifiers")
            command, counts_char, counts_fix = key_counts(cls, modifiers)
            typing = not command or (run is not None and moves_in_run(cls, modifiers))
        else:
            typing = False
        if not typing:
            if kind == "key_up" or run is None:
                return event  # a command's release is no new action
            del runs[session]  # a command or any other action ends the run
            return [summary(run), event]
        if kind == "key_up":
            return None  # releases carry only timing
        # Caret movement inside a run is a command here and counts neither way.
        if run is None:
            if not (counts_char or counts_fix):
                return None  # Shift, Caps Lock alone: absorbed, opens no run
            run = [{name: event[name] for name in _ENVELOPE if name in event}, 0, 0]
        runs[session] = [run[0], run[1] + counts_char, run[2] + counts_fix]
        return None

    return summarize
