"""Decode and validate a Kafka message value in one C pass (msgspec), the reference on errors.

The fast path decodes each event straight from bytes into a ``msgspec.Struct`` of its type, built
from the same field tables as ``transforms.event`` (lengths, ranges and choices as ``Meta``), and
turns it into the event dict a transform sees: known fields only, ``null`` meaning "not sent", in
the schema's field order. Anything the fast path does not accept (a wrong type, a missing field,
a string timestamp that does not parse, JSON orjson would refuse) takes the reference path:
orjson, then ``transforms.event.validate_event``, which decides the quarantine reason. Errors are
rare, so reasons keep their exact meaning and precedence at no cost to valid traffic.

The fast path may only ever accept what the reference accepts, with the same event: tests hold
the two side by side on the simulator's traffic and on arbitrary (malformed) input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Literal

import msgspec
import orjson

from transforms.event import (
    ENVELOPE,
    LIST_MAX,
    RAW_SCHEMA,
    TS_MAX_MS,
    TS_MIN_MS,
    TYPE_FIELDS,
    Event,
    FieldSpec,
    Quarantined,
    parse_ts,
)

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
MAX_BATCH_EVENTS = 5000

# orjson's integers are 64-bit signed or unsigned, beyond them it yields a float (a wrong type);
# msgspec's bounds stop at int64, so an unsigned value above it takes the reference path.
_JSON_INT = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_COORDINATE = (
    Annotated[int, msgspec.Meta(gt=-(10**9), lt=10**9)]
    | Annotated[float, msgspec.Meta(gt=-1e9, lt=1e9)]
)


@dataclass(frozen=True, slots=True)
class Unchecked:
    """One event the fast path did not accept, as orjson decoded it: the reference decides."""

    raw: Any


def _field_type(spec: FieldSpec) -> Any:
    kind, choices = spec.kind, spec.choices
    if kind == "str":
        if choices is not None:
            return Literal[tuple(sorted(choices))]
        return Annotated[str, msgspec.Meta(max_length=spec.max_len)]
    if kind == "int":
        return _JSON_INT
    if kind == "number":
        return _COORDINATE
    if kind == "bool":
        return bool
    if kind == "ts":  # a string must still parse (checked after decoding)
        epoch_ms = Annotated[int, msgspec.Meta(ge=TS_MIN_MS, le=TS_MAX_MS)]
        return epoch_ms | Annotated[str, msgspec.Meta(min_length=10, max_length=40)]
    if kind == "screen":
        side = Annotated[int, msgspec.Meta(gt=0, lt=100_000)]
        return Annotated[list[side], msgspec.Meta(min_length=2, max_length=2)]  # type: ignore[valid-type]
    if kind == "str_list":
        item: Any = Any if choices is None else Literal[tuple(sorted(choices))]
        return Annotated[list[item], msgspec.Meta(max_length=LIST_MAX)]
    raise AssertionError(f"unknown field kind {kind}")


def _struct_for(event_type: str) -> type[msgspec.Struct]:
    fields: list[tuple[Any, ...]] = []
    for name, spec in (ENVELOPE | TYPE_FIELDS[event_type]).items():
        if name == "schema":
            fields.append((name, Literal[RAW_SCHEMA]))
        elif name == "type":
            fields.append((name, Literal[event_type]))
        elif spec.required:
            fields.append((name, _field_type(spec)))
        else:
            fields.append((name, _field_type(spec) | None, None))
    # kw_only keeps the declared order with required fields after optional ones; omit_defaults
    # drops the fields left at None (not sent, or sent as null) when converting to a dict.
    # Unknown fields go to the reference: msgspec would skip them without the checks orjson
    # makes (UTF-8, numbers beyond a double), so it could accept what the reference refuses.
    return msgspec.defstruct(
        event_type, fields, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
    )


class _Head(msgspec.Struct):
    type: str


_HEAD = msgspec.json.Decoder(_Head)
_BATCH = msgspec.json.Decoder(list[msgspec.Raw])
_BATCH_HEADS = msgspec.json.Decoder(list[_Head])
_DECODERS = {name: msgspec.json.Decoder(_struct_for(name)) for name in TYPE_FIELDS}
_DECODERS_BY_NAME = {name.encode(): decoder for name, decoder in _DECODERS.items()}
_to_builtins = msgspec.to_builtins
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)
# Outcomes by event type for events that need no dict once valid (``Pipeline.settled``).
Settled = Mapping[str, Any]
_NOTHING_SETTLED: Settled = MappingProxyType({})


def decode(document: bytes | str) -> Any:
    """The reference decoder: orjson, input errors as values (orjson rejects invalid UTF-8)."""
    if len(document) > MAX_MESSAGE_BYTES:
        return Quarantined("oversized_message")
    try:
        return orjson.loads(document)
    except orjson.JSONDecodeError as error:
        reason = "invalid_utf8" if "UTF-8" in str(error) else "invalid_json"
        return Quarantined(reason)


def reference_items(decoded: Any) -> Quarantined | list[Event | Unchecked]:
    """A decoded message value (or its decode Quarantined) as items for the reference path."""
    if type(decoded) is Quarantined:
        return decoded
    if type(decoded) is list:
        if not decoded:
            return Quarantined("empty_batch")
        if len(decoded) > MAX_BATCH_EVENTS:
            return Quarantined("oversized_batch")
        return [Unchecked(item) for item in decoded]
    return [Unchecked(decoded)]


def decode_message(
    value: bytes | str, settled: Settled = _NOTHING_SETTLED
) -> Quarantined | list[Any]:
    """A message value (one event object, or a JSON array of them) as one item per event.

    An item is a validated event dict, or ``Unchecked`` for the reference validator to judge,
    or, for a valid event whose type is in ``settled``, the value it maps that type to (the
    event's dict is then never built); a Quarantined result concerns the whole message (not
    JSON, oversized, an empty batch...).
    """
    if type(value) is not bytes or len(value) > MAX_MESSAGE_BYTES:
        return reference_items(decode(value))
    first = value[:1]
    if first == b"{":
        item = decode_object(value, settled)
        return [item] if type(item) is not Quarantined else item
    try:
        if first == b"[":
            raws = _BATCH.decode(value)
            # An item that is not an object is rare, and the reference decides its fate (orjson
            # refuses nesting deeper than msgspec does: then the whole message is invalid_json).
            if (
                raws
                and len(raws) <= MAX_BATCH_EVENTS
                and all(
                    memoryview(raw)[0] == 0x7B
                    for raw in raws  # b"{"
                )
            ):
                types: list[str | None]
                try:  # every event's type in one more pass, rather than one call per event
                    types = [head.type for head in _BATCH_HEADS.decode(value)]
                except _DECODE_ERRORS:
                    types = [None] * len(raws)
                return [_event(raw, name, settled) for raw, name in zip(raws, types, strict=True)]
    except (*_DECODE_ERRORS, orjson.JSONDecodeError):
        pass  # orjson refuses what msgspec skipped, or the batch is not a list: the reference
    return reference_items(decode(value))


def decode_object(value: bytes, settled: Settled = _NOTHING_SETTLED) -> Any:
    """``decode_message`` for a value that starts with ``{``: the item itself, or the
    message-level reason, without a list around it (the per-event path of batch mode)."""
    # The common case inlined (this runs for every event): the sent type read off the bytes
    # (see _sent_type), its struct, an int ts. Everything else takes _event's path.
    if len(value) <= MAX_MESSAGE_BYTES:
        key = value.find(b'"type"')
        if key >= 0:
            start = value.find(b'"', key + 6) + 1
            decoder = _DECODERS_BY_NAME.get(value[start : value.find(b'"', start)])
            if decoder is not None:
                try:  # _item, inlined: the call cost 3-4 % of bench_core (measured)
                    record: Any = decoder.decode(value)
                    ts = record.ts
                    ms = ts if type(ts) is int else parse_ts(ts)
                    if ms is not None:
                        outcome = settled.get(record.type)
                        if outcome is not None:
                            return outcome
                        event: Event = _to_builtins(record)
                        if ms is not ts:
                            event["ts"] = ms
                        return event
                except _DECODE_ERRORS:
                    pass
        try:
            return _event(value, None, settled)
        except orjson.JSONDecodeError:
            pass  # orjson refuses what msgspec skipped: the reference decides
    items = reference_items(decode(value))
    return items[0] if type(items) is list else items


def _sent_type(value: bytes) -> bytes:
    """The value of the first ``"type"`` key, read off the bytes: cheaper than a decoder pass,
    and only a hint, since the typed decoder checks ``type`` itself (an event with a wrong hint
    goes to the reference, never through the wrong struct)."""
    key = value.find(b'"type"')
    start = value.find(b'"', key + 6) + 1
    return value[start : value.find(b'"', start)] if key >= 0 and start else b""


def _event(
    raw: bytes | msgspec.Raw, sent_type: bytes | str | None, settled: Settled = _NOTHING_SETTLED
) -> Any:
    try:
        decoder = (
            _DECODERS_BY_NAME.get(sent_type)  # type: ignore[arg-type]
            if type(sent_type) is bytes
            else _DECODERS.get(sent_type)  # type: ignore[arg-type]
        )
        if decoder is None:
            decoder = _DECODERS.get(_HEAD.decode(raw).type)
    except _DECODE_ERRORS:
        decoder = None
    try:
        if decoder is not None:
            item = _item(decoder.decode(raw), settled)
            if item is not None:
                return item
    except _DECODE_ERRORS:
        pass
    return Unchecked(orjson.loads(memoryview(raw)))  # a Raw is a buffer, not bytes


def _item(record: Any, settled: Settled) -> Any:
    """A decoded struct as its item: the settled outcome of its type, or the event dict with
    ``ts`` in epoch ms; None if its ``ts`` is a string that does not parse (not valid)."""
    ts = record.ts
    ms = ts if type(ts) is int else parse_ts(ts)
    if ms is None:
        return None
    outcome = settled.get(record.type)
    if outcome is not None:
        return outcome
    event: Event = _to_builtins(record)
    if ms is not ts:
        event["ts"] = ms
    return event
