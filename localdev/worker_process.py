"""Run a streaming worker as a child process and watch it: health, Prometheus metrics, CPU.

Used by ``sanitizer demo`` and the benchmarks, which need a real worker (the same ``sanitizer
worker`` an operator runs) rather than an in-process app. The child gets its own session, so a
terminal's Ctrl-C reaches only the parent, which then stops the child in order; on Linux it is
also sent SIGTERM if the parent dies, so no orphan outlives a crash.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from prometheus_client.parser import text_string_to_metric_families

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class WorkerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_command() -> list[str]:
    """``sanitizer worker`` with the interpreter running us (works in any venv, no PATH)."""
    return [sys.executable, "-m", "cli.main", "worker"]


def clean_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """Our environment without any ``SANITIZER_*`` variable, plus ``settings``: a demo or a
    benchmark must not inherit a shell's settings for a real cluster (or its real key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANITIZER_")}
    return env | dict(settings)


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.util.find_library("c")
    if libc is None:
        return None
    prctl = ctypes.CDLL(libc, use_errno=True).prctl

    def preexec() -> None:
        prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG

    return preexec


class WorkerProcess:
    """A worker child process; ``metrics_port`` is where it serves ``/metrics`` and ``/healthz``."""

    def __init__(
        self,
        command: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        metrics_port: int | None = None,
    ) -> None:
        self.command, self.env, self.log_path = list(command), dict(env), log_path
        self.metrics_port = metrics_port
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise WorkerError("worker not started")
        return self._proc.pid

    def start(self) -> Self:
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            self.command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _get(self, path: str) -> tuple[int, bytes]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            # Generous: a busy 2-core machine (tests, benchmarks) can answer slowly.
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_healthy(self, timeout: float = 120.0) -> float:
        """Seconds until ``/healthz`` says healthy; WorkerError (with the log tail) otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.running():
                raise WorkerError(f"the worker exited during startup:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if self._get("/healthz")[0] == 200:
                    return time.monotonic() - started
            time.sleep(0.5)
        raise WorkerError(f"the worker was not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def health(self) -> dict[str, object]:
        """The worker's ``/healthz`` report (healthy, rebalancing, assigned partitions)."""
        import json

        report: dict[str, object] = json.loads(self._get("/healthz")[1])
        return report

    def metrics(self) -> dict[str, float]:
        """Every sample of ``/metrics`` summed over its labels, by sample name; one
        ``name{label=value}`` entry per labelled sample as well."""
        status, body = self._get("/metrics")
        if status != 200:
            raise WorkerError(f"/metrics answered {status}")
        totals: dict[str, float] = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
                for label, value in sample.labels.items():
                    totals[f"{sample.name}{{{label}={value}}}"] = sample.value
        return totals

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker so far, from /proc (Linux)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (Faust shuts down in order), SIGKILL after ``timeout``. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
            if self._log is not None:
                self._log.close()
            return proc.returncode
        return None
