"""The naive baseline of bench_e2e: a Faust agent that copies each message, one await per event.

This is how a Faust stream processor is usually written (``async for value in stream: await
sink.send(...)``), with an identity transform, so it measures what Faust's per-event path costs
with nothing else to do. It gets the same event loop (uvloop), raw serializers and producer
batching settings as the sanitizing worker, so the comparison is about per-event versus
per-batch processing, not about tuning. Configured by environment:

    PASSTHROUGH_BOOTSTRAP, PASSTHROUGH_SOURCE, PASSTHROUGH_SINK, PASSTHROUGH_GROUP,
    PASSTHROUGH_PARTITIONS, PASSTHROUGH_DATA_DIR

Run: ``python benchmarks/passthrough_app.py worker -l warning --web-port 6067``
"""

from __future__ import annotations

import os

import mode.loop

mode.loop.use("uvloop")  # as the worker does, before any event loop exists

import faust  # noqa: E402

env = os.environ
app = faust.App(
    env.get("PASSTHROUGH_GROUP", "passthrough"),
    broker=f"kafka://{env.get('PASSTHROUGH_BOOTSTRAP', 'localhost:9092')}",
    autodiscover=False,
    key_serializer="raw",
    value_serializer="raw",
    store="memory://",
    datadir=env.get("PASSTHROUGH_DATA_DIR", "/tmp/passthrough-data"),
    topic_partitions=int(env.get("PASSTHROUGH_PARTITIONS", "4")),
    consumer_auto_offset_reset="earliest",
    producer_linger_ms=5,
    producer_max_batch_size=512 * 1024,
)
source = app.topic(env.get("PASSTHROUGH_SOURCE", "bench-raw"), key_type=bytes, value_type=bytes)
sink = app.topic(env.get("PASSTHROUGH_SINK", "bench-passthrough"), key_type=bytes, value_type=bytes)


@app.agent(source)
async def passthrough(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        await sink.send(value=value)


if __name__ == "__main__":
    app.main()
