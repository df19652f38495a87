"""The interaction/v1 event model: validate a decoded JSON value into a clean event dict.

Validation is table-driven and returns values, not exceptions: a valid event becomes a new dict
holding only the known fields of its type (unknown extra fields are dropped here, before any
transform sees them) with ``ts`` normalised to epoch milliseconds; anything else becomes a
``Quarantined`` reason. Reasons name the field, never its value, since the value may be a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

RAW_SCHEMA = "interaction/v1"
SANITIZED_SCHEMA = "interaction.sanitized/v1"

# Plausible epoch-ms range (2000-01-01 .. 2100-01-01): seconds or microseconds are rejected.
TS_MIN_MS = 946_684_800_000
TS_MAX_MS = 4_102_444_800_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

ID_MAX = 256
SHORT_MAX = 256
TITLE_MAX = 4096
URL_MAX = 8192
TEXT_MAX = 65_536
LIST_MAX = 8

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Quarantined:
    """Why an event cannot go downstream. ``reason`` is a stable machine-readable code."""

    reason: str
    field: str | None = None
    stage: str | None = None

    def as_record(self) -> dict[str, str]:
        record = {"reason": self.reason}
        if self.field is not None:
            record["field"] = self.field
        if self.stage is not None:
            record["stage"] = self.stage
        return record


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: str  # "str", "int", "number", "bool", "ts", "screen", "str_list"
    required: bool = False
    max_len: int = SHORT_MAX
    choices: frozenset[str] | None = None


# In the collectors' order (the simulator's, the sample's): the typed decoder hands transforms
# the fields in this order, and the output keeps it.
ENVELOPE: dict[str, FieldSpec] = {
    "schema": FieldSpec("str", required=True),
    "event_id": FieldSpec("str", required=True, max_len=ID_MAX),
    "user_id": FieldSpec("str", required=True, max_len=ID_MAX),
    "device_id": FieldSpec("str", max_len=ID_MAX),
    "session_id": FieldSpec("str", required=True, max_len=ID_MAX),
    "seq": FieldSpec("int"),
    "ts": FieldSpec("ts", required=True),
    "type": FieldSpec("str", required=True),
    "app": FieldSpec("str"),
    "window_title": FieldSpec("str", max_len=TITLE_MAX),
    "os": FieldSpec("str"),
    "screen": FieldSpec("screen"),
    "url": FieldSpec("str", max_len=URL_MAX),
}

_KEY_FIELDS = {
    "key": FieldSpec("str", required=True, max_len=64),
    "code": FieldSpec("str", max_len=64),
    "modifiers": FieldSpec("str_list", choices=frozenset({"shift", "ctrl", "alt", "meta"})),
    "repeat": FieldSpec("bool"),
}
_POINTER_FIELDS = {
    "x": FieldSpec("number", required=True),
    "y": FieldSpec("number", required=True),
    "button": FieldSpec("str", choices=frozenset({"left", "right", "middle", "back", "forward"})),
    "clicks": FieldSpec("int"),
}

TYPE_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "key_down": _KEY_FIELDS,
    "key_up": _KEY_FIELDS,
    "text_input": {
        "text": FieldSpec("str", required=True, max_len=TEXT_MAX),
        "field": FieldSpec("str"),
    },
    "clipboard": {
        "action": FieldSpec("str", required=True, choices=frozenset({"copy", "cut", "paste"})),
        "text": FieldSpec("str", max_len=TEXT_MAX),
        "mime": FieldSpec("str"),
    },
    "mouse_move": {
        "x": FieldSpec("number", required=True),
        "y": FieldSpec("number", required=True),
    },
    "mouse_down": _POINTER_FIELDS,
    "mouse_up": _POINTER_FIELDS,
    "click": _POINTER_FIELDS,
    "scroll": {
        "x": FieldSpec("number"),
        "y": FieldSpec("number"),
        "dx": FieldSpec("number", required=True),
        "dy": FieldSpec("number", required=True),
    },
    "window_focus": {},
}
EVENT_TYPES = frozenset(TYPE_FIELDS)


def parse_ts(value: Any) -> int | None:
    """Epoch ms from an int or an RFC 3339 string with an explicit offset; None if invalid."""
    if type(value) is int:
        ms = value
    elif type(value) is str and 10 <= len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:  # a local time without offset is ambiguous
            return None
        # Exact integer arithmetic: timestamp() * 1000 is a float and is off by 1 ms for
        # about one value in 150.
        ms = (moment - _EPOCH) // _ONE_MS
    else:
        return None
    return ms if TS_MIN_MS <= ms <= TS_MAX_MS else None


def _check(name: str, spec: FieldSpec, value: Any) -> tuple[Any, Quarantined | None]:
    kind = spec.kind
    if kind == "str":
        if type(value) is not str:
            return None, Quarantined("wrong_type", name)
        if len(value) > spec.max_len:
            return None, Quarantined("oversized_field", name)
        if spec.choices is not None and value not in spec.choices:
            return None, Quarantined("invalid_value", name)
        return value, None
    if kind == "int":
        return (value, None) if type(value) is int else (None, Quarantined("wrong_type", name))
    if kind == "number":
        if type(value) in (int, float) and value == value and abs(value) < 1e9:
            return value, None
        return None, Quarantined("wrong_type", name)
    if kind == "bool":
        return (value, None) if type(value) is bool else (None, Quarantined("wrong_type", name))
    if kind == "ts":
        ms = parse_ts(value)
        return (ms, None) if ms is not None else (None, Quarantined("invalid_ts", name))
    if kind == "screen":
        if (
            type(value) is list
            and len(value) == 2
            and all(type(v) is int and 0 < v < 100_000 for v in value)
        ):
            return list(value), None
        return None, Quarantined("wrong_type", name)
    if kind == "str_list":
        if type(value) is not list or len(value) > LIST_MAX:
            return None, Quarantined("wrong_type", name)
        if spec.choices is not None and not all(
            type(v) is str and v in spec.choices for v in value
        ):
            return None, Quarantined("invalid_value", name)
        return list(value), None
    raise AssertionError(f"unknown field kind {kind}")


_REQUIRED: dict[str, frozenset[str]] = {
    event_type: frozenset(name for name, spec in (ENVELOPE | fields).items() if spec.required)
    for event_type, fields in TYPE_FIELDS.items()
}


def _fast_type(spec: FieldSpec) -> type | None:
    """The Python type whose values need no further check beyond a length (the hot path)."""
    if spec.choices is not None:
        return None
    # JSON integers are bounded by orjson (64-bit), so an int coordinate needs no range check.
    return {"str": str, "int": int, "number": int, "bool": bool}.get(spec.kind)


_SPECS: dict[str, dict[str, tuple[FieldSpec, type | None]]] = {
    event_type: {name: (spec, _fast_type(spec)) for name, spec in (ENVELOPE | fields).items()}
    for event_type, fields in TYPE_FIELDS.items()
}


def validate_event(raw: Any) -> Event | Quarantined:
    """Validate one decoded JSON value as an interaction/v1 event."""
    if type(raw) is not dict:
        return Quarantined("not_an_object")
    schema = raw.get("schema")
    if schema != RAW_SCHEMA:
        if schema is None:
            return Quarantined("missing_field", "schema")
        if type(schema) is str and schema.startswith("interaction/"):
            return Quarantined("unknown_schema_version", "schema")
        return Quarantined("invalid_value", "schema")
    event_type = raw.get("type")
    if type(event_type) is not str or event_type not in TYPE_FIELDS:
        if event_type is None:
            return Quarantined("missing_field", "type")
        return Quarantined("unknown_type", "type")
    specs = _SPECS[event_type]
    event: Event = {}
    # One pass over what was sent; fields nobody declared are dropped here. Plain short strings
    # are the common case and are checked inline (this loop is the hot path of every worker).
    for name, value in raw.items():
        entry = specs.get(name)
        if entry is None or value is None:  # unknown field, or JSON null meaning "not sent"
            continue
        spec, fast = entry
        if type(value) is fast:
            if fast is str and len(value) > spec.max_len:  # type: ignore[arg-type]
                return Quarantined("oversized_field", name)
            event[name] = value
            continue
        clean, problem = _check(name, spec, value)
        if problem is not None:
            return problem
        event[name] = clean
    missing = _REQUIRED[event_type].difference(event)
    if missing:
        return Quarantined("missing_field", min(missing))
    return event
