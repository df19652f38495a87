"""summarize_typing: typing leaves only coarse per-burst counts, never rhythm or speed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, TS_MS, make_event
from transforms.context import Context
from transforms.policy import build_pipeline, load_policy
from transforms.registry import Transform
from transforms.summarize_typing import SummarizeTypingConfig, summarize_typing

WINDOW = 60_000
START = TS_MS - TS_MS % WINDOW  # the start of a clock window


def summarizer(**config: Any) -> Transform:
    return summarize_typing(SummarizeTypingConfig(window_ms=WINDOW, **config), Context())


def key(cls: str = "letter", ts: int = START, kind: str = "key_down", **fields: Any) -> dict:  # type: ignore[type-arg]
    """A key event as strip_typed_text leaves it: a key class, no key or code."""
    event = {**make_event(kind, ts=ts, **fields), "key_class": cls}
    del event["key"], event["code"]
    return event


def run(transform: Transform, events: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [out for out in map(transform, events) if out is not None]


def typing(classes: list[str], gaps: list[int], start: int = START) -> list[dict]:  # type: ignore[type-arg]
    ts, events = start, []
    for cls, gap in zip(classes, gaps, strict=True):
        ts += gap
        events.append(key(cls, ts))
    return events


def test_a_burst_becomes_summaries_at_bucket_changes_only() -> None:
    out = run(summarizer(), typing(["letter"] * 40, [100] * 40))
    assert [(e["type"], e["text_length"], e["corrections"]) for e in out] == [
        ("text_input", "1-4", "0"),
        ("text_input", "5-16", "0"),
        ("text_input", "17-64", "0"),
    ]
    assert all(e["field"] == "typing" and e["ts"] == START for e in out)
    assert not any("key_class" in e or "key" in e for e in out)


def test_corrections_are_counted_in_buckets() -> None:
    classes = ["letter"] * 6 + ["editing"] * 2 + ["letter"] * 12
    out = run(summarizer(emit_on_corrections=True), typing(classes, [100] * len(classes)))
    assert [(e["text_length"], e["corrections"]) for e in out] == [
        ("1-4", "0"),
        ("5-16", "0"),
        ("5-16", "1-4"),
        ("17-64", "1-4"),
    ]
    quiet = run(summarizer(emit_on_corrections=False), typing(classes, [100] * len(classes)))
    assert [e["text_length"] for e in quiet] == ["1-4", "5-16", "17-64"]


@given(
    st.lists(
        st.sampled_from(["letter", "whitespace", "editing", "modifier", "punctuation"]),
        min_size=1,
        max_size=60,
    ),
    st.data(),
)
@PROPERTY
def test_output_does_not_depend_on_rhythm_or_speed(classes: list[str], data: st.DataObject) -> None:
    """Two typists typing the same keys in one window, at any speed, give the same output."""
    budget = (WINDOW - 1) // len(classes)
    slow = data.draw(st.lists(st.integers(0, budget), min_size=len(classes), max_size=len(classes)))
    fast = [0] * len(classes)

    def without_ids(gaps: list[int]) -> list[dict]:  # type: ignore[type-arg]
        out = run(summarizer(), typing(classes, gaps))
        return [{k: v for k, v in e.items() if k != "event_id"} for e in out]

    assert without_ids(slow) == without_ids(fast)


def test_releases_of_typed_keys_never_pass() -> None:
    transform = summarizer()
    assert transform(key("letter", kind="key_up")) is None
    assert transform(key("modifier", kind="key_up")) is None


def test_commands_and_shortcuts_pass_and_end_the_burst() -> None:
    transform = summarizer()
    assert transform(key("letter"))["text_length"] == "1-4"  # type: ignore[index]
    enter = key("enter", START + 10)
    assert transform(enter) == enter
    copy = key("letter", START + 20, modifiers=["ctrl"])
    assert transform(copy) == copy
    assert transform(key("letter", START + 30)) is not None  # a new burst starts over


def test_a_new_clock_window_starts_a_new_burst_and_an_optional_pause_too() -> None:
    transform = summarizer()
    transform(key("letter", START))
    assert transform(key("letter", START + 100)) is None
    next_window = transform(key("letter", START + WINDOW + 5))
    assert next_window is not None and next_window["ts"] == START + WINDOW
    paused = summarizer(idle_ms=2000)
    paused(key("letter", START))
    assert paused(key("letter", START + 3000)) is not None


def test_other_event_types_pass_untouched() -> None:
    for kind in ("click", "mouse_move", "window_focus", "text_input"):
        event = make_event(kind)
        assert summarizer()(event) == event


def test_memory_is_bounded_per_session() -> None:
    transform = summarizer(max_sessions=2)
    for session in ("a", "b", "c"):
        transform(key("letter", session_id=session))
    # "a" was evicted, so its next key opens a new burst and is summarized again.
    assert transform(key("letter", START + 10, session_id="a")) is not None
    assert transform(key("letter", START + 10, session_id="c")) is None


def test_the_default_policy_output_is_allowlisted_and_holds_no_timing(context: Context) -> None:
    pipeline = build_pipeline(load_policy(), context)  # own instance: the stage keeps state
    raw = [
        make_event("key_down", key=ch, code="", ts=START + 97 * i, seq=i)
        for i, ch in enumerate("Secret words typed here")
    ]
    outcomes = [pipeline.sanitize(event) for event in raw]
    kept = [o.event for o in outcomes if hasattr(o, "event")]
    assert kept and all(e["type"] == "text_input" and e["field"] == "typing" for e in kept)
    assert [e["seq"] for e in kept] == list(range(len(kept)))
    assert {e["ts"] for e in kept} == {START - START % 120_000}
    assert all(
        set(e)
        <= {
            "schema",
            "event_id",
            "user_id",
            "device_id",
            "session_id",
            "key_id",
            "seq",
            "ts",
            "type",
            "app",
            "window_title",
            "os",
            "screen",
            "field",
            "text_length",
            "corrections",
        }
        for e in kept
    )
