"""The peer of bench_peer: a Quix Streams application running our default policy.

Same core as the worker: the pipeline comes from ``streams.runtime.make_pipeline`` (policy,
``SANITIZER_HMAC_KEY``, directory) and each message goes through ``Pipeline.sanitize_message``.
Sanitized events go to the sanitized topic keyed by the user pseudonym, quarantined ones to the
quarantine topic with the same record fields as the worker's, dropped ones nowhere. Quix Streams
reads and writes with confluent-kafka (librdkafka, in C) and calls the function per message.

    python benchmarks/quix_app.py --bootstrap HOST:PORT --raw T --sanitized T --quarantine T \
        --group G [--directory CSV]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from quixstreams import Application, message_context
from quixstreams.models.serializers import SerializationContext, Serializer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.routing import QUARANTINE_SCHEMA
from streams.runtime import make_pipeline
from transforms.event import Quarantined
from transforms.pipeline import Pipeline, Sanitized

Output = tuple[bool, bytes | None, bytes]  # to the sanitized topic?, key, value


class OutputValue(Serializer):
    """The record value is the encoded event: the routing flag and key travel beside it."""

    def __call__(self, value: Output, ctx: SerializationContext) -> bytes:
        return value[2]


def route(pipeline: Pipeline, raw_topic: str) -> Any:
    def outputs(value: bytes) -> list[Output]:
        records: list[Output] = []
        outcomes = pipeline.sanitize_message(value)
        for index, outcome in enumerate(outcomes):
            if type(outcome) is Sanitized:  # a typing summary comes before the event
                for event in outcome.events:
                    records.append((True, event["user_id"].encode(), orjson.dumps(event)))
            elif type(outcome) is Quarantined:
                context = message_context()
                record = {
                    "schema": QUARANTINE_SCHEMA,
                    **outcome.as_record(),
                    "topic": raw_topic,
                    "partition": context.partition,
                    "offset": context.offset,
                }
                if len(outcomes) > 1:
                    record["index"] = index
                records.append((False, None, orjson.dumps(record)))
        return records

    return outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--bootstrap", "--raw", "--sanitized", "--quarantine", "--group"):
        parser.add_argument(option, required=True)
    parser.add_argument("--directory", default=None)
    args = parser.parse_args()
    pipeline = make_pipeline(None, args.directory)
    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        loglevel="WARNING",
        commit_interval=1.0,
        use_changelog_topics=False,
        auto_create_topics=False,
        producer_extra_config={"linger.ms": 5},
    )
    raw = app.topic(args.raw, key_deserializer="bytes", value_deserializer="bytes")
    sanitized = app.topic(args.sanitized, key_serializer="bytes", value_serializer=OutputValue())
    quarantine = app.topic(args.quarantine, key_serializer="bytes", value_serializer=OutputValue())
    sdf = app.dataframe(raw).apply(route(pipeline, args.raw), expand=True)
    sdf.to_topic(lambda value, *_: sanitized if value[0] else quarantine, key=lambda v: v[1])
    app.run()


if __name__ == "__main__":
    main()
