"""Run one streaming worker: build the Faust app from settings and a pipeline, then hand it to
Faust's worker (signals, logging, the web server, the consumer group)."""

from __future__ import annotations

import logging

from streams.settings import ServiceSettings
from transforms.pipeline import Pipeline

log = logging.getLogger(__name__)


def run_worker(settings: ServiceSettings, pipeline: Pipeline) -> None:
    # Faust and Kafka clients are imported here, not at the top: `sanitizer sanitize` (batch
    # mode) shares this CLI and should not pay for them.
    import mode.loop

    mode.loop.use("uvloop")  # before any event loop exists
    import faust

    from streams.app import create_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Faust creates only the last level
    app = create_app(settings, pipeline)
    log.info(
        "worker %s: %s -> %s (quarantine %s, opt-out %s), %s",
        settings.consumer_group,
        settings.raw_topic,
        settings.sanitized_topic,
        settings.quarantine_topic,
        settings.optout_topic,
        settings.processing_guarantee.value,
    )
    # -l info on purpose: at the default level Faust adds a console spinner and debug records.
    faust.Worker(app, loglevel=settings.log_level).execute_from_commandline()
