"""anchor_keyboard_time: keyboard-derived events carry the time of the user's last other action.

Typing summaries and command keys (what is left of the keyboard after ``summarize_typing``) get
as ``ts`` the time of the last event of the session that is not keyboard-derived (a click, a
scroll, a focus change, a paste), plus as many whole ``bucket_ms`` windows as have passed since
it (so time still moves on through long typing-only stretches, by whole windows). Before the
session's first other action they get the start of their clock window. Other events pass
unchanged and become the new anchor.

Privacy property: the differences between keyboard-derived timestamps are zero, or whole
clock windows, or the time between two non-keyboard actions, which those actions show anyway:
they no longer give the time a sentence took, so typing speed, pauses and the rhythm of
commands (Enter after each line) are gone, whatever ``coarsen_timestamp`` does afterwards.
``seq`` still gives the order. Timestamps stay non-decreasing within a session.

State is one timestamp per session in the context's session store (``transforms.state``,
bounded by ``max_sessions``, least recently used evicted). An evicted or new session anchors
to the clock window alone.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key

KEYBOARD_TYPES = frozenset({"key_down", "key_up"})
TYPING_SUMMARY_FIELD = "typing"


class AnchorKeyboardTimeConfig(TransformConfig):
    bucket_ms: int = Field(
        3_600_000,
        ge=60_000,
        description="keyboard events advance at most by clock windows this long",
    )
    max_sessions: int = Field(100_000, ge=1, description="sessions whose anchor is kept")


def is_keyboard_derived(event: Event) -> bool:
    """A key event, or a typing summary made of key events."""
    kind = event["type"]
    return kind in KEYBOARD_TYPES or (
        kind == "text_input" and event.get("field") == TYPING_SUMMARY_FIELD
    )


@register("anchor_keyboard_time", AnchorKeyboardTimeConfig)
def anchor_keyboard_time(config: AnchorKeyboardTimeConfig, context: Context) -> Transform:
    """Re-time key events and typing summaries to the session's last other action."""
    anchors = context.session_state("anchor_keyboard_time", config.max_sessions)
    bucket = config.bucket_ms

    def anchor(event: Event) -> Event:
        session = session_key(event)
        ts: int = event["ts"]
        if not is_keyboard_derived(event):
            anchors[session] = ts
            return event
        last = anchors.get(session)
        if last is None:  # no action seen yet in this session: the clock window's start
            return {**event, "ts": ts - ts % bucket}
        if ts <= last:  # out of order: never later than the event itself
            return {**event, "ts": ts}
        # Whole windows after the anchor, not the next clock boundary: the step from the
        # anchor to a boundary would say where in the hour the session's last action fell,
        # which names the session (and the agnostic attacker found it).
        return {**event, "ts": last + (ts - last) // bucket * bucket}

    return anchor
