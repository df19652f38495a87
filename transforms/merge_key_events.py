"""merge_key_events: a key press is one event; ``key_up`` is dropped.

Privacy property: with only presses left, hold times (release - press) and rollover (the next
key pressed before the previous one is released, visible from event order alone even with
coarse timestamps) are gone. Both are among the most identifying keystroke-dynamics features.
The ``key_down`` keeps its key class and held modifiers, so what was pressed, in what order and
with which modifiers survives. Run ``renumber_seq`` after it: otherwise the gaps left in ``seq``
by the dropped releases still tell where a release fell between two presses.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register


class MergeKeyEventsConfig(TransformConfig):
    drop_repeats: bool = Field(
        False,
        description="also drop auto-repeat presses (repeat: true); they reveal long holds",
    )


@register("merge_key_events", MergeKeyEventsConfig, drops=("key_up",))
def merge_key_events(config: MergeKeyEventsConfig, context: Context) -> Transform:
    """Keep ``key_down`` as the press, drop ``key_up`` (and optionally auto-repeats)."""
    drop_repeats = config.drop_repeats

    def merge(event: Event) -> Event | None:
        kind = event["type"]
        if kind == "key_up":
            return None
        if drop_repeats and kind == "key_down" and event.get("repeat") is True:
            return None
        return event

    return merge
