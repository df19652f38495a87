"""coarsen_timestamp: floor ``ts`` to a bucket so exact timing (a biometric) is gone.

``seq`` is kept, so training still sees the order of events within a session.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register


class CoarsenTimestampConfig(TransformConfig):
    bucket_ms: int = Field(1000, ge=1000, description="bucket size in ms; whole seconds at least")


@register("coarsen_timestamp", CoarsenTimestampConfig)
def coarsen_timestamp(config: CoarsenTimestampConfig, context: Context) -> Transform:
    """Floor the event timestamp (epoch ms) to a multiple of ``bucket_ms``."""
    bucket = config.bucket_ms

    def coarsen(event: Event) -> Event:
        ts: int = event["ts"]
        return {**event, "ts": ts - ts % bucket}

    return coarsen
