"""Raw interaction/v1 events for tests: a builder for examples and hypothesis strategies.

``make_event`` gives one valid event of a type with plausible defaults, for unit tests.
The strategies generate whole raw events, valid ones (every type, optional fields present,
absent or null, unknown extra fields) and corrupted ones that carry the quarantine reason and
field they must produce.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from transforms.event import (
    ENVELOPE,
    LIST_MAX,
    TS_MAX_MS,
    TS_MIN_MS,
    TYPE_FIELDS,
    FieldSpec,
)

# Modest budgets: the machine is shared, and Presidio costs ~0.5 ms per new title.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

EVENT_ID = "b94067ed-fe17-5330-a11d-459a2f978d87"
SESSION_ID = "c2cd789a-3802-08a9-ad45-f23d3b1a11df"
TS_MS = 1_778_758_187_249  # 2026-05-14T11:29:47.249Z

ENVELOPE_DEFAULTS: dict[str, Any] = {
    "schema": "interaction/v1",
    "event_id": EVENT_ID,
    "user_id": "jane.doe@corp.example",
    "device_id": "LT-JDOE-4411",
    "session_id": SESSION_ID,
    "seq": 7,
    "ts": TS_MS,
    "app": "Slack",
    "window_title": "general - Acme Corp - Slack",
    "os": "macOS 15.4",
    "screen": [2560, 1440],
}

TYPE_DEFAULTS: dict[str, dict[str, Any]] = {
    "key_down": {"key": "a", "code": "KeyA", "modifiers": [], "repeat": False},
    "key_up": {"key": "a", "code": "KeyA", "modifiers": [], "repeat": False},
    "text_input": {"text": "hello there", "field": "textarea"},
    "clipboard": {"action": "paste", "text": "pasted words", "mime": "text/plain"},
    "mouse_move": {"x": 100, "y": 200},
    "mouse_down": {"x": 100, "y": 200, "button": "left", "clicks": 1},
    "mouse_up": {"x": 100, "y": 200, "button": "left", "clicks": 1},
    "click": {"x": 100.5, "y": 200.25, "button": "right", "clicks": 2},
    "scroll": {"x": 10, "y": 20, "dx": 0, "dy": -120},
    "window_focus": {"url": "https://github.com/acme/payments/pull/42"},
}
EVENT_TYPE_NAMES = tuple(TYPE_DEFAULTS)


def make_event(event_type: str = "mouse_move", **fields: Any) -> dict[str, Any]:
    """A valid raw event of ``event_type``; keyword arguments override or add fields."""
    event = {**copy.deepcopy(ENVELOPE_DEFAULTS), "type": event_type}
    event.update(copy.deepcopy(TYPE_DEFAULTS[event_type]))
    event.update(fields)
    return event


def rfc3339(ms: int, offset_minutes: int = 0) -> str:
    """``ms`` as an RFC 3339 string with millisecond precision and the given UTC offset."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    zone = timezone(timedelta(minutes=offset_minutes))
    return moment.astimezone(zone).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- JSON values -------------------------------------------------------------------------

# What orjson can decode: 64-bit integers, finite floats, valid (non-surrogate) strings.
json_ints = st.integers(min_value=-(2**63), max_value=2**64 - 1)
json_scalars = (
    st.none()
    | st.booleans()
    | json_ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)

# --- valid events ------------------------------------------------------------------------

logins = st.from_regex(r"[a-z]{2,10}[0-9]{0,3}", fullmatch=True)
emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?[0-9]{0,2}", fullmatch=True),
    st.sampled_from(["corp.example", "example.com", "acme.io"]),
)
user_ids = logins | emails
uuids = st.uuids().map(str)
device_ids = st.builds(lambda login, n: f"LT-{login.upper()}-{n}", logins, st.integers(1000, 9999))
valid_ts_ms = st.integers(min_value=TS_MIN_MS + 86_400_000, max_value=TS_MAX_MS - 86_400_000)
valid_ts = valid_ts_ms | st.builds(
    rfc3339, valid_ts_ms, st.sampled_from([0, 60, -300, 330, 840, -720])
)
short_text = st.text(max_size=40)
titles = st.text(max_size=120)
coordinates = st.integers(-10_000, 10_000) | st.floats(-1e5, 1e5, allow_nan=False)
key_names = st.sampled_from(
    ["a", "A", "1", "@", " ", "Enter", "Backspace", "Shift", "ArrowLeft", "F5", "Tab", "é", "ß"]
) | st.text(min_size=1, max_size=12)
modifiers = st.lists(st.sampled_from(["shift", "ctrl", "alt", "meta"]), max_size=4, unique=True)
buttons = st.sampled_from(["left", "right", "middle", "back", "forward"])


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Present, JSON null, or absent (a sentinel the builder removes)."""
    return strategy | st.none() | st.just(ABSENT)


ABSENT = object()

_TYPE_STRATEGIES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "key_down": {
        "key": key_names,
        "code": _optional(st.from_regex(r"(Key[A-Z]|Digit[0-9]|Space|ShiftLeft)", fullmatch=True)),
        "modifiers": _optional(modifiers),
        "repeat": _optional(st.booleans()),
    },
    "text_input": {
        "text": st.text(max_size=300),
        "field": _optional(st.sampled_from(["text", "password", "email", "search", "textarea"])),
    },
    "clipboard": {
        "action": st.sampled_from(["copy", "cut", "paste"]),
        "text": _optional(st.text(max_size=300)),
        "mime": _optional(st.sampled_from(["text/plain", "text/html", "image/png"])),
    },
    "mouse_move": {"x": coordinates, "y": coordinates},
    "mouse_down": {
        "x": coordinates,
        "y": coordinates,
        "button": _optional(buttons),
        "clicks": _optional(st.integers(0, 5)),
    },
    "scroll": {
        "x": _optional(coordinates),
        "y": _optional(coordinates),
        "dx": coordinates,
        "dy": coordinates,
    },
    "window_focus": {},
}
_TYPE_STRATEGIES["key_up"] = _TYPE_STRATEGIES["key_down"]
_TYPE_STRATEGIES["mouse_up"] = _TYPE_STRATEGIES["mouse_down"]
_TYPE_STRATEGIES["click"] = _TYPE_STRATEGIES["mouse_down"]

_ENVELOPE_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "event_id": uuids,
    "user_id": user_ids,
    "device_id": _optional(device_ids),
    "session_id": uuids,
    "seq": _optional(st.integers(0, 2**40)),
    "ts": valid_ts,
    "app": _optional(st.sampled_from(["Slack", "Google Chrome", "Microsoft Excel", "Figma"])),
    "window_title": _optional(titles),
    "url": _optional(st.sampled_from(["https://example.com/a/b?q=1", "about:blank"])),
    "os": _optional(st.sampled_from(["macOS 15.4", "Windows 11", "Ubuntu 24.04"])),
    "screen": _optional(st.tuples(st.integers(1, 8000), st.integers(1, 8000)).map(list)),
}
# Collectors add fields nobody asked for; validation must drop them.
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(
        lambda name: name not in ENVELOPE and all(name not in f for f in TYPE_FIELDS.values())
    ),
    json_values,
    max_size=3,
)


@st.composite
def valid_events(
    draw: st.DrawFn,
    types: tuple[str, ...] = EVENT_TYPE_NAMES,
    with_extras: bool = True,
) -> dict[str, Any]:
    """A raw event that ``validate_event`` must accept."""
    event_type = draw(st.sampled_from(types))
    event: dict[str, Any] = {"schema": "interaction/v1", "type": event_type}
    if with_extras:
        event.update(draw(extra_fields))
    strategies = {**_ENVELOPE_STRATEGIES, **_TYPE_STRATEGIES[event_type]}
    for name, strategy in strategies.items():
        value = draw(strategy)
        if value is not ABSENT:
            event[name] = value
    return event


# --- corrupted events --------------------------------------------------------------------

_WRONG_FOR_KIND: dict[str, st.SearchStrategy[Any]] = {
    "str": json_ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.lists(st.text()),
    "int": st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.lists(json_ints),
    "number": st.text() | st.booleans() | st.lists(json_ints) | st.just({}),
    "bool": json_ints | st.text() | st.lists(st.booleans()),
    "screen": st.text()
    | json_ints
    | st.lists(st.integers(1, 100), max_size=1)
    | st.lists(st.integers(1, 100), min_size=3, max_size=4)
    | st.tuples(st.integers(-(2**63), 0), st.integers(1, 100)).map(list)
    | st.tuples(st.floats(1, 100), st.integers(1, 100)).map(list),
    "str_list": st.text() | json_ints | st.just({"shift": True}),
}
bad_ts = (
    st.integers(1_000_000_000, 2_000_000_000)  # seconds, not ms
    | st.integers(TS_MAX_MS + 1, 2**63)  # microseconds or garbage
    | st.integers(min_value=-(2**63), max_value=TS_MIN_MS - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.sampled_from(
        [
            "2026-05-14T09:31:02.123",  # naive: no offset
            "2026-05-14T09:31:02",
            "2026-05-14",
            "yesterday",
            "1778758187249",
            "2026-13-45T99:99:99Z",
            "",
            "1969-12-31T23:59:59Z",  # before the plausible range
        ]
    )
    | st.text(max_size=45).filter(lambda s: not s[:4].isdigit())
    | st.lists(json_ints, max_size=2)
)


def _wrong_value(name: str, spec: FieldSpec) -> st.SearchStrategy[tuple[Any, str]]:
    """A value that ``spec`` must refuse, with the reason the refusal carries."""
    if spec.kind == "ts":
        return bad_ts.map(lambda value: (value, "invalid_ts"))
    wrong = _WRONG_FOR_KIND[spec.kind].map(lambda value: (value, "wrong_type"))
    if spec.kind == "str":
        oversized = st.integers(1, 50).map(
            lambda extra: ("x" * (spec.max_len + extra), "oversized_field")
        )
        wrong = wrong | oversized
        if spec.choices is not None:
            wrong = wrong | st.text(max_size=10).filter(lambda s: s not in spec.choices).map(
                lambda value: (value, "invalid_value")
            )
    if spec.kind == "str_list":
        wrong = (
            wrong
            | st.lists(
                st.sampled_from(["shift"]), min_size=LIST_MAX + 1, max_size=LIST_MAX + 3
            ).map(lambda value: (value, "wrong_type"))
            | st.lists(st.text(max_size=6), min_size=1, max_size=3)
            .filter(lambda names: any(n not in {"shift", "ctrl", "alt", "meta"} for n in names))
            .map(lambda value: (value, "invalid_value"))
        )
    return wrong


@st.composite
def corrupted_events(draw: st.DrawFn) -> tuple[dict[str, Any], str, str | None]:
    """A raw event broken in exactly one way, with the reason and field it must be
    quarantined under: ``(event, reason, field)``."""
    event = draw(valid_events())
    event_type = event["type"]
    fields = {**ENVELOPE, **TYPE_FIELDS[event_type]}
    corruption = draw(st.sampled_from(["missing", "wrong", "schema", "type", "not_object"]))
    if corruption == "not_object":
        return draw(json_values.filter(lambda v: type(v) is not dict)), "not_an_object", None
    if corruption == "schema":
        schema, reason = draw(
            st.sampled_from(["interaction/v2", "interaction/v0", "interaction/"]).map(
                lambda s: (s, "unknown_schema_version")
            )
            | (
                json_values.filter(
                    lambda v: (
                        v is not None
                        and v != "interaction/v1"
                        and not (type(v) is str and v.startswith("interaction/"))
                    )
                ).map(lambda v: (v, "invalid_value"))
            )
            | st.just((ABSENT, "missing_field"))
        )
        if schema is ABSENT:
            del event["schema"]
        else:
            event["schema"] = schema
        return event, reason, "schema"
    if corruption == "type":
        value = draw(
            st.text(max_size=20).filter(lambda t: t not in TYPE_FIELDS)
            | json_values.filter(lambda v: v is not None and type(v) is not str)
        )
        event["type"] = value
        return event, "unknown_type", "type"
    if corruption == "missing":
        required = [name for name, spec in fields.items() if spec.required and name != "schema"]
        name = draw(st.sampled_from([*required, "type"]))
        if draw(st.booleans()):
            event.pop(name, None)
        else:
            event[name] = None
        return event, "missing_field", name
    name = draw(st.sampled_from(sorted(set(fields) - {"schema", "type"})))
    value, reason = draw(_wrong_value(name, fields[name]))
    event[name] = value
    return event, reason, name
