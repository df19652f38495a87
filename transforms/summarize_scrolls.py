"""summarize_scrolls: a scroll run is one scroll event that says only its direction.

A *run* is the consecutive ``scroll`` events of a session in one direction, between the user's
other actions (pointer moves are not actions). Its first event is kept, with ``dx`` and ``dy``
reduced to their signs (-1, 0 or 1); the rest of the run is dropped. A change of direction,
or any other event, starts a new run.

Privacy property: how many wheel notches a device reports per gesture, their size (120 per
notch on one device, 3 or 100 on another, pixel deltas on a touchpad), the speed and rhythm of
scrolling and its duration are gone: the number of scroll events is the number of scroll
gestures in each direction, and each says only which way. ``x``/``y`` are left to
``snap_pointer``. State is the open run's direction per session, in the context's session
store (``transforms.state``, bounded by ``max_sessions``); an evicted session starts a new run.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key

_NOT_ACTIONS = frozenset({"mouse_move"})


class SummarizeScrollsConfig(TransformConfig):
    max_sessions: int = Field(100_000, ge=1, description="sessions whose open run is kept")


def sign(value: float) -> int:
    return (value > 0) - (value < 0)


@register("summarize_scrolls", SummarizeScrollsConfig)
def summarize_scrolls(config: SummarizeScrollsConfig, context: Context) -> Transform:
    """Keep the first scroll of each run, with its deltas reduced to their signs."""
    runs = context.session_state("summarize_scrolls", config.max_sessions)

    def summarize(event: Event) -> Event | None:
        kind = event["type"]
        if kind in _NOT_ACTIONS:
            return event
        session = session_key(event)
        if kind != "scroll":
            if session in runs:
                del runs[session]
            return event
        direction = [sign(event["dx"]), sign(event["dy"])]
        if runs.get(session) == direction:
            return None
        runs[session] = direction
        return {**event, "dx": direction[0], "dy": direction[1]}

    return summarize
