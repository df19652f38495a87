"""Run one streaming worker: wait for Kafka, build the Faust app from settings and a pipeline,
then hand it to Faust's worker (signals, logging, the web server, the consumer group).

Broker outages: before Faust starts, ``streams.broker_wait`` waits for a reachable broker (with
backoff, ``/healthz`` answering 503); once it runs, repeated errors of the Kafka clients are
collapsed to one line per kind and interval (``streams.log_repeats``), and the clients back off
between reconnects (``reconnect_backoff``) instead of retrying as fast as a refused connection
returns.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
from typing import Any

from streams.log_repeats import collapse_repeats
from streams.settings import ServiceSettings
from transforms.pipeline import Pipeline

log = logging.getLogger(__name__)


def run_worker(settings: ServiceSettings, pipeline: Pipeline) -> None:
    # Faust and Kafka clients are imported here, not at the top: `sanitizer sanitize` (batch
    # mode) shares this CLI and should not pay for them.
    import mode.loop

    limit_malloc_arenas()  # before Faust's threads start
    wait_for_broker(settings)

    mode.loop.use("uvloop")  # before any event loop of Faust's exists
    from streams.app import create_app
    from streams.reconnect_backoff import slow_down_reconnects

    slow_down_reconnects()
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

    worker: Any = worker_class(settings)(app, loglevel=settings.log_level)
    freeze_startup_objects()
    worker.execute_from_commandline()


def freeze_startup_objects() -> None:
    """Leave what the worker built at start (Faust, aiokafka, Presidio, the pipeline and their
    modules) out of every later garbage collection: it lives as long as the worker, and a full
    collection that walked it stopped every partition's delivery for about 150 ms under load
    (docs/benchmarks.md, run 12). Garbage of the start-up is collected first, not frozen."""
    gc.collect()
    gc.freeze()


# glibc's mallopt parameter for the most malloc arenas (malloc.h: M_ARENA_MAX).
M_ARENA_MAX = -8
WORKER_MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = WORKER_MALLOC_ARENAS) -> bool:
    """Let glibc's malloc keep at most ``arenas`` arenas in this process, unless the operator set
    ``MALLOC_ARENA_MAX``; returns whether the limit was set (not glibc, or set by the operator).

    glibc gives each new thread that allocates an arena of its own, up to 8 per core. The worker
    allocates large buffers (fetched record values, the batches it decodes) in Faust's consumer
    thread as well as in its event loop's, and each arena keeps pages of what it freed: draining a
    backlog of flush batches peaked at 269-296 MB with the default and 247-262 MB with two arenas,
    at the same rate (docs/benchmarks.md, run 17). Two: the worker's two busy threads each keep
    one, so they do not contend for a lock either.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:  # the process's own symbols, libc's among them (find_library would run ldconfig)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt (macOS): nothing to limit
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def worker_class(settings: ServiceSettings) -> type[Any]:
    """Faust's worker, with our logging: repeated client errors collapsed, and no spinner."""
    import faust

    class Worker(faust.Worker):  # type: ignore[misc]
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # At warning level and above Faust adds a console spinner that turns for every
            # record, and sets the root logger to DEBUG for it: every debug call of aiokafka
            # and Faust then made a record (3 % of a worker's CPU under load). No spinner.
            self.spinner = None
            super().on_setup_root_logger(logger, level)
            collapse_repeats(logger, settings.log_repeat_interval_s)

    return Worker


def wait_for_broker(settings: ServiceSettings) -> None:
    """``broker_wait.wait_for_kafka`` with its own log handler until Faust sets up logging; a
    refusal (wrong password, untrusted certificate) exits with one line, no traceback."""
    from streams.broker_wait import BrokerRefusedError, wait_for_kafka  # aiohttp, aiokafka

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(settings.log_level.upper())
    try:
        wait_for_kafka(settings)  # on a loop of its own, before uvloop and Faust's loop
    except BrokerRefusedError as error:
        raise SystemExit(f"error: Kafka refused the connection: {error}") from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
