"""summarize_typing: one summary per typing run, the same whoever typed it.

Changed with issue 9: runs are no longer split by clock windows or pauses, the summary is
emitted once when the run ends (a fan-out before the event that ended it) instead of at each
bucket change, the amount is net (characters minus corrections), no corrections count is
emitted, and every key that is not an explicit command is typing (``Unidentified`` and other
unknown names used to pass through as ``other`` commands).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, TS_MS, make_event
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy
from transforms.registry import Transform
from transforms.strip_typed_text import COMMAND_CLASSES, key_class
from transforms.summarize_typing import SummarizeTypingConfig, summarize_typing

Event = dict[str, Any]


def summarizer(**config: Any) -> Transform:
    return summarize_typing(SummarizeTypingConfig(**config), Context())


def key(cls: str = "letter", ts: int = TS_MS, kind: str = "key_down", **fields: Any) -> Event:
    """A key event as strip_typed_text leaves it: a key class, no key or code."""
    event = {**make_event(kind, ts=ts, **fields), "key_class": cls}
    del event["key"], event["code"]
    return event


def run(transform: Transform, events: list[Event]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        result = transform(event)
        if isinstance(result, list):
            out.extend(result)
        elif result is not None:
            out.append(result)
    return out


def typing(classes: list[str], gaps: list[int], start: int = TS_MS) -> list[Event]:
    ts, events = start, []
    for cls, gap in zip(classes, gaps, strict=True):
        ts += gap
        events.append(key(cls, ts))
    return events


def test_a_run_becomes_one_summary_when_the_next_action_arrives() -> None:
    transform = summarizer()
    keys = typing(["letter"] * 40, [100] * 40)
    assert run(transform, keys) == []  # nothing leaves while the run is open
    enter = key("enter", TS_MS + 10_000)
    summary, command = transform(enter)  # type: ignore[misc]
    assert command == enter
    assert summary["type"] == "text_input" and summary["field"] == "typing"
    assert summary["text_length"] == "17-128"
    assert summary["ts"] == keys[0]["ts"] and summary["seq"] == keys[0]["seq"]
    assert not {"key_class", "key", "corrections", "modifiers"} & set(summary)


def test_the_amount_is_net_so_corrections_do_not_move_it() -> None:
    clean = ["letter"] * 20
    sloppy = ["letter"] * 8 + ["letter", "editing"] * 6 + ["letter"] * 12
    end = make_event("click")
    for classes in (clean, sloppy):
        out = run(summarizer(), [*typing(classes, [50] * len(classes)), end])
        assert [e.get("text_length") for e in out] == ["17-128", None]


def test_clock_windows_and_pauses_never_split_a_run() -> None:
    keys = typing(["letter"] * 6, [0, 1, 3_600_000, 5, 200_000, 7])
    out = run(summarizer(), [*keys, make_event("window_focus")])
    assert [e["type"] for e in out] == ["text_input", "window_focus"]


@given(
    st.lists(
        st.sampled_from(["letter", "whitespace", "editing", "modifier", "punctuation", "other"]),
        min_size=1,
        max_size=60,
    ),
    st.data(),
)
@PROPERTY
def test_output_does_not_depend_on_rhythm_speed_or_where_corrections_fall(
    classes: list[str], data: st.DataObject
) -> None:
    """Two typists typing the same run at any speed, in any order, give the same output
    (``ts`` and ``seq`` aside: ``anchor_keyboard_time`` and ``renumber_seq`` rewrite them)."""
    gaps = data.draw(st.lists(st.integers(0, 10**7), min_size=len(classes), max_size=len(classes)))
    shuffled = data.draw(st.permutations(classes))
    end = make_event("mouse_down", ts=TS_MS + 10**9)

    def without_ids(order: list[str], spacing: list[int]) -> list[Event]:
        out = run(summarizer(), [*typing(order, spacing), end])
        return [{k: v for k, v in e.items() if k not in ("ts", "seq")} for e in out]

    assert without_ids(classes, gaps) == without_ids(list(shuffled), [0] * len(classes))


def test_releases_of_typed_keys_never_pass_nor_end_a_run() -> None:
    transform = summarizer()
    assert transform(key("letter")) is None
    assert transform(key("letter", kind="key_up")) is None
    assert transform(key("enter", kind="key_up")) == key("enter", kind="key_up")
    assert isinstance(transform(key("enter")), list)  # the run was still open


def test_commands_and_shortcuts_end_the_run_and_pass() -> None:
    transform = summarizer()
    for command in (
        key("enter"),
        key("tab"),
        key("function"),
        key("letter", modifiers=["ctrl"]),
        key("whitespace", modifiers=["meta"]),
    ):
        assert transform(key("letter")) is None
        result = transform(command)
        assert isinstance(result, list) and result[1] == command
        assert transform(command) == command  # no run open: the command alone


def test_caret_movement_inside_a_run_is_part_of_it() -> None:
    transform = summarizer()
    events = [
        key("letter"),
        key("navigation"),  # ArrowLeft while typing
        key("navigation", modifiers=["shift"]),
        key("editing", modifiers=["ctrl"]),  # Ctrl+Backspace
        key("letter"),
    ]
    assert run(transform, events) == []
    arrow = key("navigation")
    assert transform(make_event("click"))[0]["type"] == "text_input"  # type: ignore[index]
    assert transform(arrow) == arrow  # with no run open, an arrow is a command


def test_modifiers_alone_are_absorbed_and_open_no_run() -> None:
    transform = summarizer()
    assert transform(key("modifier")) is None
    click = make_event("click")
    assert transform(click) == click


def test_pointer_moves_neither_end_a_run_nor_are_typing() -> None:
    transform = summarizer()
    transform(key("letter"))
    move = make_event("mouse_move")
    assert transform(move) == move
    assert len(transform(make_event("scroll"))) == 2  # type: ignore[arg-type]


def test_each_session_has_its_own_run_and_memory_is_bounded() -> None:
    transform = summarizer(max_sessions=2)
    for session in ("a", "b", "c"):
        transform(key("letter", session_id=session))
    # "a" was evicted with its open run: its next action is alone.
    click_a = make_event("click", session_id="a")
    assert transform(click_a) == click_a
    assert isinstance(transform(make_event("click", session_id="c")), list)


def test_unknown_config_keys_of_the_old_design_are_refused() -> None:
    for old in ({"window_ms": 120_000}, {"emit_on_corrections": True}, {"idle_ms": 2000}):
        try:
            SummarizeTypingConfig(**old)
        except ValueError:
            continue
        raise AssertionError(f"{old} accepted")


# --- the default policy: keys fail closed -------------------------------------------------

DOM_NAMES = [
    "Unidentified", "Process", "Dead", "", "Compose", "AltGraph", "Shift", "CapsLock",
    "Backspace", "Delete", "Insert", "PrintScreen", "ContextMenu", "MediaPlayPause", "F25",
    "Enter", "Tab", "Escape", "ArrowLeft", "PageDown", "Home", "F1", "F24", " ", "a", "é", "中",
    "ça", "\u00a0", "1", ".", "Paste", "Undo", "KeyA", "Soft1", "Convert", "HangulMode",
]  # fmt: skip
key_names = st.one_of(st.sampled_from(DOM_NAMES), st.text(max_size=12))
modifier_sets = st.lists(st.sampled_from(["shift", "ctrl", "alt", "meta"]), unique=True)


def fresh_default(keyring: Keyring) -> Pipeline:
    return build_pipeline(load_policy(), Context(keyring=keyring))


def is_listed_command(name: str, modifiers: list[str]) -> bool:
    """The command list of issue 9, written out independently of the code under test."""
    listed = {"Enter", "Escape", "Tab", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
              "Home", "End", "PageUp", "PageDown", *(f"F{n}" for n in range(1, 25))}  # fmt: skip
    bare_modifiers = {"Shift", "Control", "Alt", "AltGraph", "Meta", "OS", "Super", "Hyper",
                      "Fn", "FnLock", "CapsLock", "NumLock", "ScrollLock", "Symbol",
                      "SymbolLock"}  # fmt: skip
    shortcut = bool({"ctrl", "alt", "meta"} & set(modifiers)) and name not in bare_modifiers
    return name in listed or shortcut


@given(st.lists(st.tuples(key_names, modifier_sets, st.booleans()), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_no_key_outside_the_command_list_ever_leaves_as_its_own_event(
    context: Context, presses: list[tuple[str, list[str], bool]]
) -> None:
    pipeline = fresh_default(context.keyring)
    for seq, (name, modifiers, release) in enumerate(presses):
        kind = "key_up" if release else "key_down"
        raw = make_event(kind, key=name, code="", modifiers=modifiers, seq=seq)
        outcome = pipeline.sanitize(raw)
        events = outcome.events if isinstance(outcome, Sanitized) else ()
        for event in events:
            if event["type"] in ("key_down", "key_up"):
                assert event["type"] == "key_down" and is_listed_command(name, modifiers), (
                    name,
                    modifiers,
                    event,
                )
            else:
                assert event["type"] == "text_input" and event["field"] == "typing"


def test_unidentified_keys_are_typed_text_and_end_in_one_summary(context: Context) -> None:
    pipeline = fresh_default(context.keyring)
    out: list[Event] = []
    for seq, name in enumerate(["Unidentified"] * 30 + ["Process", "Dead", "", "Enter"]):
        outcome = pipeline.sanitize(make_event("key_down", key=name, code="", seq=seq))
        if isinstance(outcome, Sanitized):
            out.extend(outcome.events)
    assert [(e["type"], e.get("text_length"), e.get("key_class")) for e in out] == [
        ("text_input", "17-128", None),
        ("key_down", None, "enter"),
    ]
    assert key_class("Unidentified") not in COMMAND_CLASSES


def test_default_policy_output_is_allowlisted_and_holds_no_timing(context: Context) -> None:
    pipeline = fresh_default(context.keyring)
    raw = [
        make_event("key_down", key=ch, code="", ts=TS_MS + 97 * i, seq=i)
        for i, ch in enumerate("Secret words typed here\n")
    ]
    raw[-1] = {**raw[-1], "key": "Enter"}
    kept = []
    for event in raw:
        outcome = pipeline.sanitize(event)
        if isinstance(outcome, Sanitized):
            kept.extend(outcome.events)
    assert [e["type"] for e in kept] == ["text_input", "key_down"]
    assert kept[1]["seq"] == kept[0]["seq"] + 1  # dense, from a keyed per-session start
    hour = TS_MS - TS_MS % 3_600_000
    assert {e["ts"] for e in kept} == {hour}  # no earlier action: the clock hour
    assert set(kept[0]) <= {
        "schema", "event_id", "user_id", "device_id", "session_id", "key_id", "seq", "ts",
        "type", "app", "window_title", "os", "screen", "url", "field", "text_length",
    }  # fmt: skip
