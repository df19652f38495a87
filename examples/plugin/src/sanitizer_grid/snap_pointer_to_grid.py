"""snap_pointer_to_grid: coarsen pointer coordinates so exact mouse paths (a biometric) blur.

An example of a third-party transform: one module, a typed config, one @register call.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register

POINTER_FIELDS = ("x", "y")


class SnapPointerToGridConfig(TransformConfig):
    cell_px: int = Field(16, ge=1, le=1024, description="grid cell size in pixels")


@register("snap_pointer_to_grid", SnapPointerToGridConfig)
def snap_pointer_to_grid(config: SnapPointerToGridConfig, context: Context) -> Transform:
    """Floor x and y to a multiple of ``cell_px``."""
    cell = config.cell_px

    def snap(event: Event) -> Event:
        if "x" not in event:
            return event
        return {**event, **{name: int(event[name]) // cell * cell for name in POINTER_FIELDS}}

    return snap
