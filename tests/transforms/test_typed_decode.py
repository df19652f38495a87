"""The typed decoder (msgspec) against the reference path (orjson + ``validate_event``).

The fast path may only accept what the reference accepts, and must then hand transforms the very
event the reference would: same fields, same values, same types. What it does not accept goes to
the reference, so quarantine reasons are the reference's by construction. On the simulator's
traffic (fields in the collectors' order) the sanitized bytes are identical too; on arbitrary
input the fields come in the schema's order, whatever order they were sent in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from localdev.simulate import limit_events
from localdev.synthetic.malformed import inject
from localdev.synthetic.message import Message
from localdev.synthetic.pii import write_directory_csv
from localdev.synthetic.sessions import generate
from tests.transforms.raw_events import corrupted_events, json_values, valid_events
from tests.transforms.test_pipeline import PROPERTY
from transforms.context import Context
from transforms.directory import Directory
from transforms.event import ENVELOPE, TYPE_FIELDS, Quarantined, validate_event
from transforms.keyring import Keyring
from transforms.pipeline import Dropped, Outcome, Pipeline, Sanitized
from transforms.policy import build_pipeline, load_policy
from transforms.typed_decode import Unchecked, decode, decode_message, reference_items


def reference(value: bytes) -> Quarantined | list[Any]:
    """What the reference path makes of a message: a message-level reason, or per event the
    validated event or its reason."""
    items = reference_items(decode(value))
    if type(items) is Quarantined:
        return items
    return [validate_event(item.raw) for item in items]  # type: ignore[union-attr]


def fast(value: bytes) -> Quarantined | list[Any]:
    """The same, through ``decode_message``: the reference only judges what it hands over."""
    items = decode_message(value)
    if type(items) is Quarantined:
        return items
    return [validate_event(i.raw) if type(i) is Unchecked else i for i in items]  # type: ignore[union-attr]


def assert_same(value: bytes) -> None:
    assert fast(value) == reference(value)
    items = decode_message(value)
    for event in items if type(items) is list else []:
        if type(event) is dict:  # the fast path's order is the schema's
            order = list(ENVELOPE | TYPE_FIELDS[event["type"]])
            assert list(event) == sorted(event, key=order.index)


def traffic(seed: int, events: int, malformed: float, single: bool) -> tuple[list[Message], Path]:
    people, stream = generate(seed, users=20)
    directory = Path(f"/tmp/typed-decode-directory-{seed}.csv")
    write_directory_csv(people, directory)
    messages = list(limit_events(inject(stream, malformed, seed), events))
    if single:
        messages = [
            Message(m.key, m.ts, (e,), False, frozenset({0} if i in m.malformed else ()))
            for m in messages
            for i, e in enumerate(m.events)
        ]
    return messages, directory


def records(outcomes: list[Outcome]) -> list[bytes]:
    """What the worker writes per outcome: sanitized bytes, the quarantine record, or the rule."""
    written = []
    for index, outcome in enumerate(outcomes):
        if type(outcome) is Sanitized:
            written.append(orjson.dumps(outcome.event))
        elif type(outcome) is Dropped:
            written.append(b"dropped:" + outcome.rule.encode())
        else:
            written.append(b"%d:" % index + orjson.dumps(outcome.as_record()))  # type: ignore[union-attr]
    return written


@pytest.mark.parametrize("policy", [None, "builtin:per-event"])
@pytest.mark.parametrize("single", [False, True], ids=["batched", "single"])
@pytest.mark.parametrize("malformed", [0.0, 0.05])
def test_simulator_traffic_gives_the_same_bytes_and_quarantine_records(
    policy: str | None, single: bool, malformed: float
) -> None:
    messages, directory = traffic(11, 6000, malformed, single)
    key = Keyring(b"same-key-for-both-paths-0123456789")

    def pipeline() -> Pipeline:  # one each: stateful stages must see the same events
        context = Context(keyring=key, directory=Directory.from_csv(directory))
        return build_pipeline(load_policy(policy), context)

    new, old = pipeline(), pipeline()
    fast_items = 0
    for message in messages:
        value = message.value()
        expected = records(old.sanitize_decoded(decode(value)))  # the reference path
        assert records(new.sanitize_message(value)) == expected
        items = decode_message(value)
        if type(items) is list:  # else a message-level reason (a truncated document)
            fast_items += sum(type(item) is dict for item in items)
    events = sum(len(m.events) for m in messages)
    bad = sum(len(m.malformed) for m in messages)
    # Every well-formed simulated event takes the fast path (none is judged twice).
    assert fast_items == events - bad


@pytest.mark.parametrize("single", [False, True], ids=["batched", "single"])
def test_simulator_events_decode_to_the_reference_event(single: bool) -> None:
    messages, _ = traffic(5, 3000, 0.1, single)
    for message in messages:
        assert_same(message.value())


@given(valid_events(with_extras=False) | valid_events())
@PROPERTY
def test_valid_events_decode_to_the_reference_event(raw: dict[str, Any]) -> None:
    assert_same(orjson.dumps(raw))


@given(corrupted_events())
@PROPERTY
def test_corrupted_events_get_the_reference_reason(case: tuple[Any, str, str | None]) -> None:
    raw, reason, field = case
    assert_same(orjson.dumps(raw))
    if type(raw) is not list:  # a list is a batch message
        assert fast(orjson.dumps(raw)) == [Quarantined(reason, field)]


@given(
    st.lists(
        valid_events(with_extras=False) | corrupted_events().map(lambda case: case[0]),
        max_size=6,
    )
    | json_values
)
@PROPERTY
def test_batches_and_any_json_value_agree(value: Any) -> None:
    assert_same(orjson.dumps(value))


@given(valid_events(with_extras=False), st.data())
@PROPERTY
def test_damaged_bytes_agree(raw: dict[str, Any], data: st.DataObject) -> None:
    line = orjson.dumps(raw)
    cut = data.draw(st.integers(0, len(line)))
    insert = data.draw(
        st.sampled_from([b"", b"\xff", b"\xed\xa0\x80", b"\\ud800", b",", b"1e400", b" ", b"}"])
    )
    assert_same(line[:cut] + insert + line[cut:])
    batch = b"[" + line + b"," + line[:cut] + insert + line[cut:] + b"]"
    assert_same(batch)


EVENT = (
    b'{"schema":"interaction/v1","event_id":"e","user_id":"u","session_id":"s",'
    b'"ts":1778758187249,"type":"mouse_move","x":1,"y":2.5'
)


@pytest.mark.parametrize(
    "tail",
    [
        b"}",
        b',"zz":1e400}',  # orjson refuses a number beyond a double, even in an unknown field
        b',"zz":"\xff"}',  # invalid UTF-8 in an unknown field
        b',"zz":"\\ud800"}',  # a lone surrogate escape
        b',"seq":18446744073709551615}',  # unsigned 64-bit: an int to orjson
        b',"seq":18446744073709551616}',  # beyond: a float to orjson
        b',"x":"a","x":3}',  # duplicate keys: the last one counts
        b',"x":3,"x":"a"}',
        b',"url":null,"screen":null}',  # null means not sent
        b',"screen":[1,2]}',
        b',"screen":[true,2]}',
        b',"modifiers":["shift","shift"]}',
        b',"zz":' + b"[" * 2000 + b"]" * 2000 + b"}",  # nested past both decoders' limits
        b',"ts":"2026-05-14T11:29:47.249+02:00"}',
        b',"ts":"2026-05-14T11:29:47.249"}',  # no offset: ambiguous
        b',"window_title":"' + "é".encode() * 4096 + b'"}',  # the limit is in characters
        b',"window_title":"' + "é".encode() * 4097 + b'"}',
        b"} ",
        b"}x",
    ],
)
def test_edge_cases_agree(tail: bytes) -> None:
    assert_same(EVENT + tail)
    assert_same(b"[" + EVENT + tail + b"]")
    assert_same(b" " + EVENT + tail)


def test_message_level_reasons_agree() -> None:
    for value in (b"[]", b"[" + b",".join([EVENT + b"}"] * 5001) + b"]", b"", b"nul", b"\xff"):
        assert_same(value)
