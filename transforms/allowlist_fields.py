"""allowlist_fields: the last stage. Only fields listed for the event's type leave the pipeline.

Fail closed: a field nobody listed (a new collector field, a typo'd transform output) is dropped,
never passed through. ``key``, ``code`` and ``text`` hold typed content and cannot be listed at
all. The stage also stamps the sanitized schema marker, which the pipeline requires.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from transforms.context import Context
from transforms.event import EVENT_TYPES, SANITIZED_SCHEMA
from transforms.registry import Event, Transform, TransformConfig, register

FORBIDDEN_FIELDS = frozenset({"key", "code", "text"})

COMMON_FIELDS = (
    "event_id", "user_id", "device_id", "session_id", "key_id", "seq", "ts", "type",
    "app", "window_title", "url", "os", "screen",
)  # fmt: skip
_POINTER = ("x", "y", "button", "clicks")
DEFAULT_ALLOWLIST: dict[str, tuple[str, ...]] = {
    "*": COMMON_FIELDS,
    "key_down": ("key_class", "modifiers", "repeat"),
    "key_up": ("key_class", "modifiers", "repeat"),
    "text_input": ("field", "text_length"),
    "clipboard": ("action", "mime", "text_length"),
    "mouse_move": ("x", "y"),
    "mouse_down": _POINTER,
    "mouse_up": _POINTER,
    "click": _POINTER,
    "scroll": ("x", "y", "dx", "dy"),
    "window_focus": (),
}


class AllowlistFieldsConfig(TransformConfig):
    fields: dict[str, tuple[str, ...]] = Field(
        DEFAULT_ALLOWLIST,
        description="allowed output fields per event type; '*' lists those kept for every type",
    )

    @field_validator("fields")
    @classmethod
    def _no_typed_content(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for event_type, names in value.items():
            if event_type != "*" and event_type not in EVENT_TYPES:
                raise ValueError(f"unknown event type {event_type!r}")
            leaked = FORBIDDEN_FIELDS.intersection(names)
            if leaked:
                raise ValueError(
                    f"{event_type}: {', '.join(sorted(leaked))} hold typed content "
                    "and can never be allowed"
                )
        return value


@register("allowlist_fields", AllowlistFieldsConfig)
def allowlist_fields(config: AllowlistFieldsConfig, context: Context) -> Transform:
    """Keep only allowed fields for the event type and mark the event as sanitized."""
    common = config.fields.get("*", ())
    allowed = {
        event_type: frozenset(common) | frozenset(config.fields.get(event_type, ()))
        for event_type in EVENT_TYPES
    }

    def keep_allowed(event: Event) -> Event:
        out = dict(event)  # a copy less what is not allowed: cheaper than a comprehension
        for name in event.keys() - allowed[event["type"]]:
            del out[name]
        out["schema"] = SANITIZED_SCHEMA
        return out

    return keep_allowed
