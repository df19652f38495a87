"""``python -m localdev.fault_run``: two workers, a real broker, faults injected mid-stream.

The run the acceptance of issue 11 asks for, repeatable: its own Kafka broker (free loopback
ports, 4 raw partitions), two ``sanitizer worker`` processes in one consumer group, a thread
producing recorded traffic (``localdev.fault_traffic``) that never pauses, and the chosen faults
in order while it runs: ``kill`` (SIGKILL a worker, restart it), ``broker`` (SIGKILL the broker,
wait, restart it on its ports and data), ``term`` (SIGTERM a worker, restart it). When the
group has committed every raw message and the workers are idle, it reads the sanitized and
quarantine topics ``read_committed`` and checks them against the oracle
(``localdev.fault_report``). Exit 1 when the run breaks its guarantee; the table says why.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from localdev.fault_report import FaultDone, FaultRunFigures, tally
from localdev.fault_traffic import TrafficThread, plan_traffic
from localdev.kafka import LocalKafka
from localdev.outcomes import (
    Expected,
    Produced,
    committed_lag,
    default_pipeline,
    events_in_message,
    outside_group,
    read_topic,
)
from localdev.worker_process import (
    WorkerError,
    WorkerProcess,
    clean_environment,
    free_port,
    worker_command,
)

log = logging.getLogger("fault_run")
FAULTS = ("kill", "broker", "term")


@dataclass(frozen=True)
class FaultRunOptions:
    guarantee: str = "exactly_once"
    faults: tuple[str, ...] = FAULTS
    events: int = 24_000
    users: int = 14
    hostile: int = 40
    produce_s: float = 90.0  # production window; the faults fall inside it
    outage_s: float = 10.0
    session_timeout_s: int = 10  # how soon a killed worker's partitions move
    seed: int = 11
    workdir: Path | None = None


class Workers:
    """Two worker slots: a restarted worker takes its slot's data directory and port, as a
    restarted process on the same host would. A worker that exits unasked is a crash: counted,
    and restarted so the run goes on."""

    def __init__(self, env: dict[str, str], workdir: Path, slots: int = 2) -> None:
        self.env, self.workdir = env, workdir
        self.ports = [free_port() for _ in range(slots)]
        self.procs: list[WorkerProcess | None] = [None] * slots
        self.starts, self.crashes, self.unclean_stops = 0, 0, 0

    def start(self, slot: int) -> WorkerProcess:
        self.starts += 1
        env = self.env | {
            "SANITIZER_METRICS_PORT": str(self.ports[slot]),
            "SANITIZER_DATA_DIR": str(self.workdir / f"worker-{slot}-data"),
        }
        log_path = self.workdir / f"worker-{slot}-run{self.starts}.log"
        worker = WorkerProcess(worker_command(), clean_environment(env), log_path, self.ports[slot])
        self.procs[slot] = worker.start()
        return worker

    def wait_healthy(self, timeout: float) -> int:
        """Wait until every worker is healthy; how many are not by ``timeout``."""
        unhealthy = 0
        for worker in self.procs:
            if worker is not None:
                try:
                    worker.wait_healthy(timeout)
                except WorkerError as error:
                    log.error("a worker did not recover: %s", error)
                    unhealthy += 1
        return unhealthy

    def check_crashes(self) -> None:
        for slot, worker in enumerate(self.procs):
            if worker is not None and not worker.running():
                self.crashes += 1
                log.error("worker %d exited unasked:\n%s", slot, worker.log_tail())
                worker.stop()
                self.start(slot)

    def signal(self, slot: int, sig: signal.Signals) -> int | None:
        """Send ``sig`` to a worker, wait for its exit (SIGKILL after 60 s) and return its code."""
        worker = self.procs[slot]
        assert worker is not None
        self.procs[slot] = None
        os.killpg(worker.pid, sig)
        return worker.stop(timeout=60)

    def events_in(self) -> float:
        return sum(w.metrics().get("sanitizer_events_in_total", 0.0) for w in self.live())

    def live(self) -> list[WorkerProcess]:
        return [worker for worker in self.procs if worker is not None]

    def stop_all(self) -> None:
        """SIGTERM every worker (an orderly stop must exit 0 within 60 s)."""
        for slot in range(len(self.procs)):
            if self.procs[slot] is not None:
                self.terminate(slot)

    def terminate(self, slot: int) -> None:
        if code := self.signal(slot, signal.SIGTERM):
            log.error("worker %d exited %s after SIGTERM", slot, code)
            self.unclean_stops += 1

    def tracebacks(self) -> int:
        return sum(
            path.read_text(errors="replace").count("Traceback")
            for path in self.workdir.glob("worker-*.log")
        )


def inject(fault: str, kafka: LocalKafka, workers: Workers, options: FaultRunOptions) -> int:
    """One fault and the restart that ends it; returns how many workers did not recover."""
    if fault == "broker":
        kafka.kill()
        time.sleep(options.outage_s)
        kafka.restart()
    else:
        slot = 0 if fault == "kill" else 1
        if fault == "kill":
            workers.signal(slot, signal.SIGKILL)
        else:
            workers.terminate(slot)
        time.sleep(2.0)
        workers.start(slot)
    return workers.wait_healthy(timeout=180)


def run(options: FaultRunOptions) -> FaultRunFigures:
    started = time.monotonic()
    figures = FaultRunFigures(options.guarantee, options.faults, seed=options.seed)
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="fault-run-"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures.notes.append(f"worker logs in {workdir}")
    hmac_key = secrets.token_hex(32)
    with ExitStack() as stack:
        kafka = LocalKafka()
        kafka.start()
        stack.callback(kafka.stop)
        env = {
            "SANITIZER_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "SANITIZER_PARTITIONS": "4",
            "SANITIZER_CONSUMER_GROUP": "fault-run",
            "SANITIZER_HMAC_KEY": hmac_key,
            "SANITIZER_PROCESSING_GUARANTEE": options.guarantee,
            "SANITIZER_SESSION_TIMEOUT_S": str(options.session_timeout_s),
        }
        create_topics(kafka.bootstrap)
        workers = Workers(env, workdir)
        stack.callback(workers.stop_all)
        workers.start(0), workers.start(1)
        figures.unrecovered += workers.wait_healthy(timeout=180)

        plan = plan_traffic(options.events, options.users, options.hostile, options.seed)
        figures.events_planned = plan.total_events
        traffic = TrafficThread(kafka.bootstrap, "interactions.raw", plan, options.produce_s)
        traffic.start()
        for n, fault in enumerate(options.faults):
            due = plan.total_events * (n + 1) / (len(options.faults) + 1)
            while traffic.sent_events < due and traffic.is_alive():
                workers.check_crashes()
                time.sleep(0.5)
            at, began = traffic.sent_events, time.monotonic()
            log.info("fault %s at %d events produced", fault, at)
            figures.unrecovered += inject(fault, kafka, workers, options)
            figures.faults_done.append(
                FaultDone(fault, at, traffic.sent_events - at, time.monotonic() - began)
            )
        traffic.join()
        if traffic.error is not None:
            figures.notes.append(f"producer failed: {traffic.error!r}")
        acked = traffic.acked()
        figures.messages_acked = sum(place is not None for place in acked)
        hostile = {place for i in plan.hostile if (place := acked[i]) is not None}
        log.info("production done (%d events); waiting for the group", plan.total_events)
        wait_drained(kafka.bootstrap, workers, timeout=300)
        figures.unrecovered += outside_group(kafka.bootstrap, "fault-run", len(workers.live()))
        workers.stop_all()  # no transaction left open: read everything read_committed
        figures.crashes, figures.unclean_stops = workers.crashes, workers.unclean_stops

        def committed(topic: str) -> list:  # type: ignore[type-arg]
            return read_topic(kafka.bootstrap, topic, timeout=120, isolation_level="read_committed")

        raw = sorted(
            Produced(r.partition, r.offset, r.key, r.value) for r in committed("interactions.raw")
        )
        expected = Expected()
        expected.add(default_pipeline(hmac_key), raw)
        figures.events_in_raw = sum(events_in_message(message.value) for message in raw)
        sanitized = committed("interactions.sanitized")
        tally(
            figures, expected, raw, hostile, sanitized, committed("interactions.quarantine"),
            plan.traffic.secrets,
        )  # fmt: skip
        # What read_committed hid: outputs of transactions the faults aborted (exactly_once).
        everything = read_topic(kafka.bootstrap, "interactions.sanitized", timeout=120)
        figures.aborted_records = len(everything) - len(sanitized)
        figures.tracebacks = workers.tracebacks()
    figures.wall_s = time.monotonic() - started
    return figures


def create_topics(bootstrap: str) -> None:
    """The service's topics, 4 partitions each, by the code behind ``sanitizer topics create``."""
    from streams.settings import ServiceSettings
    from streams.topics import create_topics as create

    # An env prefix nobody sets: a shell configured for a real cluster must not leak in here.
    ignore_env = "SANITIZER_FAULT_RUN_IGNORES_ENV_"
    create(ServiceSettings(_env_prefix=ignore_env, bootstrap_servers=bootstrap, partitions=4))  # type: ignore[call-arg]


def wait_drained(bootstrap: str, workers: Workers, timeout: float) -> None:
    """Until the group's committed lag is 0 and no worker read an event for 3 s."""
    deadline, last = time.monotonic() + timeout, -1.0
    while time.monotonic() < deadline:
        workers.check_crashes()
        if committed_lag(bootstrap, "fault-run", "interactions.raw") == 0:
            now = workers.events_in()
            if now == last:
                return
            last = now
        time.sleep(3.0)
    raise TimeoutError(f"the group did not commit every raw message within {timeout:.0f} s")


def parse(argv: list[str] | None) -> FaultRunOptions:
    parser = argparse.ArgumentParser(prog="python -m localdev.fault_run", description=__doc__)
    parser.add_argument(
        "--guarantee", choices=("exactly_once", "at_least_once"), default="exactly_once"
    )
    parser.add_argument(
        "--faults",
        default=",".join(FAULTS),
        help="comma-separated, in order: kill, broker, term (or none)",
    )
    parser.add_argument("--events", type=int, default=24_000, help="good events to produce")
    parser.add_argument("--users", type=int, default=14)
    parser.add_argument("--hostile", type=int, default=40, help="hostile messages among them")
    parser.add_argument("--produce-seconds", type=float, default=90.0)
    parser.add_argument("--outage-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, help="reproduces the traffic (default: random)")
    parser.add_argument("--workdir", type=Path, help="worker logs (default: a temp dir)")
    args = parser.parse_args(argv)  # fmt: skip
    faults = tuple(f for f in args.faults.split(",") if f and f != "none")
    if unknown := set(faults) - set(FAULTS):
        parser.error(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    return FaultRunOptions(
        args.guarantee, faults, args.events, args.users, args.hostile, args.produce_seconds,
        args.outage_seconds, seed=secrets.randbelow(10**6) if args.seed is None else args.seed,
        workdir=args.workdir,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # the outage is on purpose
    figures = run(parse(argv))
    sys.stdout.write(figures.table() + "\n")
    return 1 if figures.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
