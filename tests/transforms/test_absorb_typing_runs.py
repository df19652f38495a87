"""absorb_typing_runs: keys inside an open run are dropped early, and the output is the same.

The stage only saves work, so the main test holds the default policy against the same policy
without it, on arbitrary key, pointer, scroll and focus sequences from two sessions: every
sanitized and quarantined byte must match, and only absorbed keys may change their drop rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.raw_events import SESSION_ID, TS_MS, make_event
from tests.transforms.test_summarize_typing import DOM_NAMES, key, modifier_sets
from transforms.absorb_typing_runs import AbsorbTypingRunsConfig, absorb_typing_runs
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Outcome, Pipeline, Sanitized
from transforms.policy import Policy, PolicyError, build_pipeline, load_policy
from transforms.summarize_typing import HANDOFF_FIELD

Event = dict[str, Any]


def absorber() -> Any:
    return absorb_typing_runs(AbsorbTypingRunsConfig(), Context())


def test_the_opening_key_passes_and_the_rest_of_the_run_is_counted_until_an_action() -> None:
    absorb = absorber()
    opening, letter, fix = key("letter"), key("letter"), key("editing")
    assert absorb(opening) is opening  # summarize_typing opens the run with it
    assert absorb(letter) is None
    assert absorb(fix) is None
    assert absorb(key("navigation")) is None  # caret movement inside the run: counts neither
    move = make_event("mouse_move")
    assert absorb(move) is move  # neither typing nor an action
    release = key("letter", kind="key_up")
    assert absorb(release) is release  # summarize_typing drops releases itself
    enter = key("enter")
    ending = absorb(enter)
    assert ending == {**enter, HANDOFF_FIELD: [1, 1]}
    assert HANDOFF_FIELD not in enter  # the input is not mutated
    assert absorb(key("letter")) is not None  # the next key opens a new run


def test_keys_that_open_no_run_leave_nothing_behind() -> None:
    absorb = absorber()
    shift = key("modifier")
    assert absorb(shift) is shift
    click = make_event("mouse_down")
    assert absorb(click) is click  # no run: no counts to hand over
    opening = key("letter")
    assert absorb(opening) is opening
    focus = make_event("window_focus")
    assert absorb(focus) is focus  # a run with nothing absorbed hands over nothing


def test_sessions_are_apart() -> None:
    absorb = absorber()
    other = "0b0b0b0b-3802-08a9-ad45-f23d3b1a11df"
    assert absorb(key("letter")) is not None
    assert absorb(key("letter", session_id=other)) is not None  # opens the other session's run
    assert absorb(key("letter")) is None
    assert absorb(key("letter", session_id=other)) is None
    ending = absorb(key("tab", session_id=other))
    assert ending is not None and ending[HANDOFF_FIELD] == [1, 0]


# --- the default policy with and without the stage ----------------------------------------

# Mostly plain keys in one session, so that runs are long and hold corrections and caret
# movement (one_of picks its branches alike: repeating one weights it).
plain_keys = st.sampled_from(["a", "b", " ", "Backspace", "Delete", "ArrowLeft", "Shift"])
plain_modifiers = st.sampled_from([[], [], ["shift"], ["ctrl"]])
presses = st.tuples(
    st.sampled_from(["key_down", "key_down", "key_down", "key_up"]),
    st.one_of(plain_keys, plain_keys, plain_keys, st.sampled_from(DOM_NAMES), st.text(max_size=4)),
    st.one_of(plain_modifiers, plain_modifiers, plain_modifiers, modifier_sets),
)
others = st.sampled_from(
    [
        ("mouse_move", {}),
        ("mouse_down", {}),
        ("scroll", {"dy": -120}),
        ("scroll", {"dy": 120}),
        ("window_focus", {}),
        ("text_input", {}),
        ("clipboard", {}),
    ]
)
OTHER_SESSION = "5e5e5e5e-3802-08a9-ad45-f23d3b1a11df"
sessions = st.sampled_from(
    [("jane.doe@corp.example", SESSION_ID)] * 3 + [("raj@corp.example", OTHER_SESSION)]
)
steps = st.tuples(sessions, st.one_of(presses, presses, presses, presses, others))


DAY_MS = 86_400_000
# Times that cross midnight UTC after the 20th event, where rotating pseudonyms change.
BEFORE_MIDNIGHT = (TS_MS // DAY_MS + 1) * DAY_MS - 20 * 1000


def raw_events(
    drawn: list[tuple[tuple[str, str], tuple[Any, ...]]], start: int = TS_MS, step: int = 37
) -> list[Event]:
    events = []
    for seq, ((user, session), step_) in enumerate(drawn):
        envelope = {"user_id": user, "session_id": session, "seq": seq, "ts": start + step * seq}
        if len(step_) == 3:
            kind, name, modifiers = step_
            events.append(make_event(kind, key=name, code="", modifiers=modifiers, **envelope))
        else:
            kind, fields = step_
            events.append(make_event(kind, **{**fields, **envelope}))
    return events


def exact_lengths(rotation: str = "none") -> Policy:
    """The default policy with a summary bucket per character count (a summary that lost or
    gained a key would show it), pseudonyms rotating as given."""
    policy = load_policy()
    configs = {
        "summarize_typing": {"length_buckets": list(range(1, 200))},
        "pseudonymize_ids": {"rotation": rotation},
    }
    return policy.model_copy(
        update={
            "stages": tuple(
                stage.model_copy(update={"config": configs[stage.transform]})
                if stage.transform in configs
                else stage
                for stage in policy.stages
            )
        }
    )


def pipelines(keyring: Keyring, policy: Policy | None = None) -> tuple[Pipeline, Pipeline]:
    policy = policy or load_policy()
    with_absorber = build_pipeline(policy, Context(keyring=keyring))
    full = build_pipeline(policy, Context(keyring=keyring))
    without = Pipeline(stage for stage in full.stages if stage.name != "absorb_typing_runs")
    assert len(without.stages) == len(with_absorber.stages) - 1
    return with_absorber, without


def written(outcome: Outcome) -> tuple[str, ...]:
    if type(outcome) is Sanitized:
        return tuple(orjson.dumps(event).decode() for event in outcome.events)
    if type(outcome) is Dropped:
        rule = outcome.rule
        return ("dropped", "summarize_typing" if rule == "absorb_typing_runs" else rule)
    return ("quarantined", orjson.dumps(outcome.as_record()).decode())  # type: ignore[union-attr]


JANE = ("jane.doe@corp.example", SESSION_ID)
RAJ = ("raj@corp.example", OTHER_SESSION)
# Runs written out: corrections and caret movement absorbed mid-run, a run of corrections only,
# Shift+Enter and Ctrl+Backspace inside a run, modifiers alone, two sessions interleaved.
SCRIPTS = {
    "corrections": "a b c Backspace d Delete Enter",
    "caret": "a b ArrowLeft c Home d End e Tab",
    "fixes_only": "a Backspace Backspace Backspace Escape",
    "soft_break": "a b shift+Enter c ctrl+Backspace d Enter",
    "modifiers": "Shift Shift a Shift b CapsLock c F2",
    "interleaved": "a raj:x b raj:y c raj:Backspace raj:z Enter raj:Tab",
}


def scripted(script: str) -> list[tuple[tuple[str, str], tuple[Any, ...]]]:
    drawn: list[tuple[tuple[str, str], tuple[Any, ...]]] = []
    for token in script.split():
        session, token = (RAJ, token[4:]) if token.startswith("raj:") else (JANE, token)
        held, _, name = token.rpartition("+")
        drawn.append((session, ("key_down", name, [held] if held else [])))
    return drawn


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_written_out_runs_give_the_same_bytes_with_and_without_it(
    context: Context, script: str
) -> None:
    with_absorber, without = pipelines(context.keyring, exact_lengths())  # type: ignore[arg-type]
    outputs = []
    for event in raw_events(scripted(SCRIPTS[script])):
        expected = written(without.sanitize(event))
        outputs.append(expected)
        assert written(with_absorber.sanitize(event)) == expected, event
    assert any(output[0] != "dropped" for output in outputs)  # the run was summarized


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("rotation", ["none", "daily"])
def test_runs_across_midnight_give_the_same_bytes_with_and_without_it(
    context: Context, script: str, rotation: str
) -> None:
    """Rotating pseudonyms make a new session at midnight UTC; without rotation the run goes on."""
    policy = exact_lengths(rotation)
    with_absorber, without = pipelines(context.keyring, policy)  # type: ignore[arg-type]
    drawn = scripted(SCRIPTS[script])
    start = (TS_MS // DAY_MS + 1) * DAY_MS - 3 * 1000  # midnight after the third key
    for event in raw_events(drawn, start=start, step=1000):
        expected = written(without.sanitize(event))
        assert written(with_absorber.sanitize(event)) == expected, event


@given(st.lists(steps, min_size=10, max_size=80), st.sampled_from(["none", "daily"]))
@settings(max_examples=80, deadline=None)
def test_the_default_policy_writes_the_same_bytes_with_and_without_it(
    context: Context, drawn: list[tuple[tuple[str, str], tuple[Any, ...]]], rotation: str
) -> None:
    policy = exact_lengths(rotation)
    with_absorber, without = pipelines(context.keyring, policy)  # type: ignore[arg-type]
    for event in raw_events(drawn, start=BEFORE_MIDNIGHT, step=1000):
        expected = written(without.sanitize(event))
        assert written(with_absorber.sanitize(event)) == expected, event


def test_absorbed_keys_are_credited_to_the_stage(context: Context) -> None:
    with_absorber, _ = pipelines(context.keyring)  # type: ignore[arg-type]
    typed = [make_event("key_down", key=ch, code="", seq=i) for i, ch in enumerate("hello")]
    outcomes = [with_absorber.sanitize(event) for event in typed]
    assert outcomes == [Dropped("summarize_typing")] + [Dropped("absorb_typing_runs")] * 4
    ending = with_absorber.sanitize(make_event("key_down", key="Enter", code="", seq=5))
    assert isinstance(ending, Sanitized)
    summary, enter = ending.events
    assert summary["text_length"] == "1-16" and enter["key_class"] == "enter"
    assert HANDOFF_FIELD not in summary and HANDOFF_FIELD not in enter


# --- where the policy may put it ----------------------------------------------------------

TAIL = [
    {"transform": "pseudonymize_ids"},
    {"transform": "scrub_text"},
    {"transform": "summarize_typing"},
    {"transform": "renumber_seq"},
    {"transform": "coarsen_timestamp"},
    {"transform": "allowlist_fields"},
]


def policy_error(tmp_path: Path, stages: list[dict[str, Any]]) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"stages": stages}), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    return str(error.value)


def test_a_valid_placement_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    stages = [{"transform": "strip_typed_text"}, {"transform": "absorb_typing_runs"}, *TAIL]
    path.write_text(yaml.safe_dump({"stages": stages}), encoding="utf-8")
    assert [stage.transform for stage in load_policy(path).stages][:2] == [
        "strip_typed_text",
        "absorb_typing_runs",
    ]


def test_without_a_later_summarize_typing_it_is_refused(tmp_path: Path) -> None:
    tail = [stage for stage in TAIL if stage["transform"] != "summarize_typing"]
    stages = [{"transform": "strip_typed_text"}, {"transform": "absorb_typing_runs"}, *tail]
    assert "needs a later 'summarize_typing'" in policy_error(tmp_path, stages)


def test_before_strip_typed_text_it_is_refused(tmp_path: Path) -> None:
    stages = [{"transform": "absorb_typing_runs"}, {"transform": "strip_typed_text"}, *TAIL]
    assert "must come after 'strip_typed_text'" in policy_error(tmp_path, stages)


def test_with_a_selector_it_is_refused(tmp_path: Path) -> None:
    absorb = {"transform": "absorb_typing_runs", "when": {"apps": ["Slack"]}}
    stages = [{"transform": "strip_typed_text"}, absorb, *TAIL]
    assert "neither with a 'when' selector" in policy_error(tmp_path, stages)


@pytest.mark.parametrize(
    "between",
    [
        {"transform": "renumber_seq", "name": "renumber_early"},
        {"transform": "drop_sensitive_apps"},
        {"transform": "merge_key_events", "config": {"drop_repeats": True}},
    ],
)
def test_a_stage_that_could_make_the_two_disagree_between_them_is_refused(
    tmp_path: Path, between: dict[str, Any]
) -> None:
    head = [{"transform": "strip_typed_text"}, {"transform": "absorb_typing_runs"}]
    stages = [*head, between, *TAIL]
    message = policy_error(tmp_path, stages)
    assert "may run between it and 'summarize_typing'" in message
    assert f"not '{between.get('name', between['transform'])}'" in message
