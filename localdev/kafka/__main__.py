"""``python -m localdev.kafka fetch|run``: fetch the jars, or run a broker until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from localdev.kafka.broker import LocalKafka
from localdev.kafka.jars import CACHE_ENV, KAFKA_VERSION, KafkaLocalError, ensure_jars

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localdev.kafka",
        description=f"Single-node Apache Kafka {KAFKA_VERSION} (KRaft) for tests and demos.",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help=f"jar cache (default ${CACHE_ENV} or ~/.cache)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download/cache the broker jars and print the libs dir")
    run = sub.add_parser(
        "run", help="start a broker, print BOOTSTRAP=..., run until SIGINT/SIGTERM"
    )
    run.add_argument("--port", type=int, default=None, help="broker port (default: a free port)")
    run.add_argument(
        "--controller-port", type=int, default=None, help="controller port (default: a free port)"
    )
    run.add_argument("--startup-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("kafka").setLevel(logging.CRITICAL)  # readiness polling is noisy

    try:
        if args.command == "fetch":
            print(ensure_jars(args.cache_dir), flush=True)
            return 0
        return _run(args)
    except KafkaLocalError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1


def _run(args: argparse.Namespace) -> int:
    stop_requested = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stop_requested.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    kafka = LocalKafka(
        port=args.port,
        controller_port=args.controller_port,
        cache_dir=args.cache_dir,
        startup_timeout=args.startup_timeout,
    )
    try:
        kafka.start()
        print(f"BOOTSTRAP={kafka.bootstrap}", flush=True)
        while not stop_requested.wait(1.0):
            if not kafka.running:
                log.error("Kafka process exited unexpectedly:\n%s", kafka.logs_tail())
                return 1
        return 0
    finally:
        kafka.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    raise SystemExit(main())
