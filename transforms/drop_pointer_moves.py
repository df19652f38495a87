"""drop_pointer_moves: pointer moves are dropped; clicks, releases and scrolls stay.

The path of the pointer (step length, direction, turning, the rate at which the device reports
moves: every 16 ms for some, every 110 ms for others) identifies its user: measured on real work
(Balabit mouse data), 2 minutes of moves name one user among ten at 8-9 times chance. A click
says where the pointer went; the way it got there is what identifies.

Privacy property: nothing of the path, its timing or the device's report rate leaves. What a
move could tell about where the pointer rested is kept by the clicks (``snap_pointer``).
"""

from __future__ import annotations

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register


class DropPointerMovesConfig(TransformConfig):
    pass


@register("drop_pointer_moves", DropPointerMovesConfig, drops=("mouse_move",))
def drop_pointer_moves(config: DropPointerMovesConfig, context: Context) -> Transform:
    """Drop ``mouse_move`` events."""

    def drop(event: Event) -> Event | None:
        return None if event["type"] == "mouse_move" else event

    return drop
