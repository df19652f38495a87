"""A real single-node Apache Kafka (KRaft) broker for tests and demos, run as a ``java``
subprocess on free loopback ports.

Library usage::

    from localdev.kafka import LocalKafka

    with LocalKafka() as kafka:
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)

Command line: ``python -m localdev.kafka fetch|run`` (``scripts/kafka-local``).

Size: one class, the broker's whole lifecycle (start with retry on a lost port race, readiness,
stop, logs); its jars, config files and OS helpers are modules of their own.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from localdev.kafka.config import SaslSslListener, log4j_properties, server_properties
from localdev.kafka.jars import KafkaLocalError, ensure_jars
from localdev.kafka.process import (
    free_port,
    java_executable,
    new_cluster_id,
    parent_death_signal,
    port_open,
    tail,
)

log = logging.getLogger(__name__)

# Strong references on purpose: a broker must be stopped even if its owner forgot it.
_LIVE: set[LocalKafka] = set()


@atexit.register
def _stop_all_at_exit() -> None:
    for kafka in list(_LIVE):
        with contextlib.suppress(Exception):
            kafka.stop()


class LocalKafka:
    """A real single-node Kafka broker (KRaft, combined broker+controller).

    ``start()`` blocks until the broker answers metadata requests; ``bootstrap``
    is then ``"127.0.0.1:<port>"``. ``stop()`` sends SIGTERM (SIGKILL after
    ``stop_timeout`` seconds) and deletes the data directory. Usable as a
    context manager; an ``atexit`` hook stops brokers that were left running,
    and on Linux the JVM also gets SIGTERM if the starting thread dies
    (``die_with_parent``).
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        cache_dir: Path | None = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 20.0,
        heap: str = "512m",
        extra_properties: dict[str, str] | None = None,
        die_with_parent: bool = True,
        sasl_ssl: SaslSslListener | None = None,
    ) -> None:
        self._fixed_port = port
        self._fixed_controller_port = controller_port
        self._cache_dir = cache_dir
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        self.die_with_parent = die_with_parent
        self.sasl_ssl = sasl_ssl

        self.port: int | None = None
        self.controller_port: int | None = None
        self.cluster_id: str | None = None
        self.data_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------ properties

    @property
    def bootstrap(self) -> str:
        if self.port is None or self._proc is None:
            raise KafkaLocalError("broker is not running; call start() first")
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        """The SASL_SSL listener's address (``sasl_ssl`` given)."""
        if self.sasl_ssl is None or self._proc is None:
            raise KafkaLocalError("no SASL_SSL listener running")
        return f"127.0.0.1:{self.sasl_ssl.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def server_log(self) -> Path | None:
        """log4j output (WARN and above) of the broker."""
        return self.data_dir / "server.log" if self.data_dir is not None else None

    @property
    def stdout_log(self) -> Path | None:
        """Raw stdout/stderr of the JVM."""
        return self.data_dir / "stdout.log" if self.data_dir is not None else None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Self:
        """Fetch jars if needed, format storage, launch the JVM, wait until ready."""
        with self._lock:
            if self._proc is not None:
                raise KafkaLocalError("broker already started")
            libs = ensure_jars(self._cache_dir)
            java = java_executable()
            # Free-port picking is racy: if the JVM loses a bind race on a port we
            # picked (not one the caller fixed), try again with fresh ports.
            fixed = {self._fixed_port, self._fixed_controller_port} - {None}
            for attempt in range(1, 4):
                try:
                    self._start_once(java, libs)
                    return self
                except _BindRaceError as exc:
                    if attempt == 3 or exc.port in fixed or len(fixed) == 2:
                        raise KafkaLocalError(str(exc)) from None
                    log.warning("port %s was taken before Kafka bound it; retrying", exc.port)
            raise AssertionError("unreachable")

    def _start_once(self, java: str, libs: Path) -> None:
        started = time.monotonic()
        self._format(java, libs)
        self._launch(java, libs, started)

    def _format(self, java: str, libs: Path) -> None:
        """Pick ports, write the config files and format a fresh data directory."""
        self.port = self._fixed_port or free_port()
        self.controller_port = self._fixed_controller_port or free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        self.cluster_id = new_cluster_id()
        self.data_dir = Path(tempfile.mkdtemp(prefix="kafka-local-"))
        props = self.data_dir / "server.properties"
        log4j = self.data_dir / "log4j.properties"
        props.write_text(
            server_properties(
                self.data_dir, self.port, self.controller_port, self.extra_properties, self.sasl_ssl
            ),
            encoding="utf-8",
        )
        log4j.write_text(log4j_properties(self.data_dir), encoding="utf-8")
        classpath, log4j_opt = self._jvm_paths(libs)

        # `kafka-storage.sh format`; C1-only JIT since this JVM lives for half a second.
        fmt = subprocess.run(
            [
                java,
                "-XX:TieredStopAtLevel=1",
                log4j_opt,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                self.cluster_id,
                "-c",
                str(props),
                *(self.sasl_ssl.scram_arguments() if self.sasl_ssl else []),
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if fmt.returncode != 0:
            out = (fmt.stdout + fmt.stderr).strip()
            self._cleanup_data_dir()
            raise KafkaLocalError(
                f"kafka StorageTool format failed (exit {fmt.returncode}):\n{out}"
            )

    def _jvm_paths(self, libs: Path) -> tuple[str, str]:
        assert self.data_dir is not None
        log4j = self.data_dir / "log4j.properties"
        # The classpath glob is expanded by the JVM itself, not a shell.
        return str(libs / "*"), f"-Dlog4j.configuration={log4j.as_uri()}"

    def _launch(self, java: str, libs: Path, started: float) -> None:
        """Run the JVM on the formatted data directory and wait until it answers."""
        assert self.data_dir is not None
        classpath, log4j_opt = self._jvm_paths(libs)
        props = self.data_dir / "server.properties"
        stdout_log = self.data_dir / "stdout.log"
        cmd = [
            java,
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            log4j_opt,
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(props),
        ]
        preexec = parent_death_signal() if self.die_with_parent else None
        with stdout_log.open("wb") as out_fh:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out_fh,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
                preexec_fn=preexec,
            )
        _LIVE.add(self)
        log.info(
            "started Kafka pid=%d broker=127.0.0.1:%d controller=127.0.0.1:%d data=%s",
            self._proc.pid,
            self.port,
            self.controller_port,
            self.data_dir,
        )
        try:
            self._wait_ready(started)
        except BaseException as exc:
            logs = self.logs_tail()
            self.stop()
            if isinstance(exc, KafkaLocalError) and "Address already in use" in logs:
                m = re.search(r"failed to bind to [^\s:]+:(\d+)", logs)
                raise _BindRaceError(
                    f"{exc}: port {m.group(1) if m else '?'} already in use\n{logs}",
                    port=int(m.group(1)) if m else None,
                ) from None
            if isinstance(exc, KafkaLocalError):
                raise KafkaLocalError(f"{exc}\n{logs}") from None
            raise
        log.info("Kafka ready at %s after %.1fs", self.bootstrap, time.monotonic() - started)

    def _wait_ready(self, started: float) -> None:
        from kafka import KafkaAdminClient  # local import: keep module import cheap

        assert self._proc is not None and self.port is not None
        deadline = started + self.startup_timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise KafkaLocalError(f"Kafka process exited with code {code} during startup")
            if not port_open(self.port):
                time.sleep(0.2)
                continue
            try:
                remaining_ms = max(1000, int((deadline - time.monotonic()) * 1000))
                admin = KafkaAdminClient(
                    bootstrap_servers=f"127.0.0.1:{self.port}",
                    client_id="kafka-local-readiness",
                    bootstrap_timeout_ms=min(5000, remaining_ms),
                    request_timeout_ms=min(5000, remaining_ms),
                )
                try:
                    cluster = admin.describe_cluster()
                finally:
                    admin.close()
                if cluster.get("brokers"):
                    return
                last_error = KafkaLocalError(f"no brokers in metadata: {cluster!r}")
            except Exception as exc:  # any client error means "not yet"
                last_error = exc
            time.sleep(0.3)
        raise KafkaLocalError(
            f"Kafka did not become ready within {self.startup_timeout:.0f}s "
            f"(last error: {last_error!r})"
        )

    def kill(self) -> None:
        """SIGKILL the broker, keeping its data: an outage that ``restart()`` ends."""
        self.stop(sig=signal.SIGKILL, keep_data=True)

    def restart(self) -> Self:
        """Start the broker again on its ports and data after ``kill()`` (or ``stop(keep_data=
        True)``): topics, offsets and records are as they were."""
        with self._lock:
            if self._proc is not None or self.data_dir is None:
                raise KafkaLocalError("restart() needs a broker stopped with its data kept")
            libs = ensure_jars(self._cache_dir)
            self._launch(java_executable(), libs, time.monotonic())
            return self

    def stop(self, *, sig: signal.Signals = signal.SIGTERM, keep_data: bool = False) -> None:
        """Stop the broker (``sig``, then SIGKILL) and remove its data dir unless
        ``keep_data``. Idempotent."""
        with self._lock:
            proc = self._proc
            self._proc = None
            _LIVE.discard(self)
            if proc is not None and proc.poll() is None:
                self._signal(proc, sig)
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    log.warning(
                        "Kafka pid=%d ignored SIGTERM for %.0fs; killing",
                        proc.pid,
                        self.stop_timeout,
                    )
                    self._signal(proc, signal.SIGKILL)
                    proc.wait(timeout=10)
            if proc is not None:
                log.info("Kafka pid=%d stopped (exit %s)", proc.pid, proc.returncode)
            if not keep_data:
                self._cleanup_data_dir()

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(proc.pid, sig)  # own session => pgid == pid
        except ProcessLookupError:
            pass
        except PermissionError:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)

    def _cleanup_data_dir(self) -> None:
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir = None

    def logs_tail(self) -> str:
        """Tails of the JVM stdout and the log4j server log (while the data dir exists)."""
        parts = []
        if self.stdout_log is not None:
            parts.append(f"--- {self.stdout_log.name} (tail) ---\n{tail(self.stdout_log)}")
        if self.server_log is not None:
            parts.append(f"--- {self.server_log.name} (tail) ---\n{tail(self.server_log)}")
        return "\n".join(parts)


class _BindRaceError(KafkaLocalError):
    """A listener port was taken before the JVM bound it; start() may retry."""

    def __init__(self, message: str, *, port: int | None) -> None:
        super().__init__(message)
        self.port = port
