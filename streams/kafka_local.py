"""Launch a real single-node Apache Kafka (KRaft) broker for tests and demos.

The broker jars are fetched once from Maven Central with ``mvn`` into a cache
directory (``$SANITIZER_KAFKA_CACHE`` or ``~/.cache/interaction-sanitizer``);
the broker itself runs as a ``java`` subprocess on free loopback ports.

Library usage::

    from streams.kafka_local import LocalKafka

    with LocalKafka() as kafka:
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)

CLI usage::

    python -m streams.kafka_local fetch
    python -m streams.kafka_local run [--port 9092]   # prints BOOTSTRAP=127.0.0.1:9092
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import ctypes
import ctypes.util
import fcntl
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = [
    "KAFKA_VERSION",
    "SCALA_VERSION",
    "KafkaLocalError",
    "LocalKafka",
    "default_cache_dir",
    "ensure_jars",
    "main",
]

log = logging.getLogger(__name__)

KAFKA_VERSION = "3.9.1"
SCALA_VERSION = "2.13"
SLF4J_VERSION = "1.7.36"
CACHE_ENV = "SANITIZER_KAFKA_CACHE"

_MARKER_NAME = ".complete"
_MAIN_JAR = f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar"
_MVN_TIMEOUT_S = 1800.0

_POM = f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.interaction-sanitizer</groupId>
  <artifactId>kafka-local-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_{SCALA_VERSION}</artifactId>
      <version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>{SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
"""


class KafkaLocalError(RuntimeError):
    """Raised when the jars cannot be fetched or the broker fails to start."""


# --------------------------------------------------------------------------- jars


def default_cache_dir() -> Path:
    """Return ``$SANITIZER_KAFKA_CACHE`` or ``~/.cache/interaction-sanitizer``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "interaction-sanitizer"


def _tail(path: Path, max_lines: int = 40) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            lines = fh.readlines()
    except OSError:
        return "<no log>"
    return "".join(lines[-max_lines:]) if lines else "<empty>"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _jars_complete(root: Path) -> bool:
    return (root / _MARKER_NAME).is_file() and (root / "libs" / _MAIN_JAR).is_file()


def ensure_jars(cache_dir: Path | None = None) -> Path:
    """Make sure the Kafka broker jars are cached; return the ``libs`` directory.

    The first call writes a pom into ``<cache>/kafka-<version>/`` and runs
    ``mvn dependency:copy-dependencies`` (needs ``mvn`` on PATH and access to
    Maven Central or a mirror configured in ``~/.m2/settings.xml``). A marker
    file is written only after success, so an interrupted download is redone.
    An exclusive ``fcntl`` lock serialises concurrent callers across processes.
    """
    root = (cache_dir if cache_dir is not None else default_cache_dir()) / f"kafka-{KAFKA_VERSION}"
    libs = root / "libs"
    if _jars_complete(root):
        return libs
    with _file_lock(root.parent / f"kafka-{KAFKA_VERSION}.lock"):
        if _jars_complete(root):  # another process finished while we waited
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KafkaLocalError(
                "Kafka jars are not cached and `mvn` was not found on PATH; "
                f"install Maven or pre-populate {libs}"
            )
        root.mkdir(parents=True, exist_ok=True)
        (root / _MARKER_NAME).unlink(missing_ok=True)
        if libs.exists():
            shutil.rmtree(libs)
        pom = root / "pom.xml"
        pom.write_text(_POM, encoding="utf-8")
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={libs}",
        ]
        log.info("fetching Kafka %s jars into %s (first use only)", KAFKA_VERSION, libs)
        started = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                cwd=root,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_MVN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise KafkaLocalError(f"mvn timed out after {_MVN_TIMEOUT_S:.0f}s") from exc
        if proc.returncode != 0 or not (libs / _MAIN_JAR).is_file():
            output = (proc.stdout + proc.stderr).strip().splitlines()
            raise KafkaLocalError(
                f"mvn failed (exit {proc.returncode}) fetching Kafka jars:\n"
                + "\n".join(output[-40:])
            )
        jars = sorted(p.name for p in libs.glob("*.jar"))
        (root / _MARKER_NAME).write_text("\n".join(jars) + "\n", encoding="utf-8")
        log.info("fetched %d jars in %.1fs", len(jars), time.monotonic() - started)
    return libs


# --------------------------------------------------------------------------- broker


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _new_cluster_id() -> str:
    """22-char base64url UUID, as ``kafka-storage random-uuid`` would produce.

    Like Kafka's ``Uuid.randomUuid`` we avoid a leading ``-`` (the CLI parser would
    take it for an option).
    """
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not cid.startswith("-"):
            return cid


def _java_executable() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    java = shutil.which("java")
    if java is None:
        raise KafkaLocalError("`java` not found (install a JRE >= 11 or set JAVA_HOME)")
    return java


def _parent_death_signal() -> Callable[[], None] | None:
    """Return a preexec_fn making the child receive SIGTERM if we die (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    try:
        prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    sigterm = int(signal.SIGTERM)

    def _preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)

    return _preexec


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
    ) -> None:
        self._fixed_port = port
        self._fixed_controller_port = controller_port
        self._cache_dir = cache_dir
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        self.die_with_parent = die_with_parent

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
            java = _java_executable()
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
        self.port = self._fixed_port or _free_port()
        self.controller_port = self._fixed_controller_port or _free_port()
        while self.controller_port == self.port:
            self.controller_port = _free_port()
        self.cluster_id = _new_cluster_id()
        self.data_dir = Path(tempfile.mkdtemp(prefix="kafka-local-"))
        props = self.data_dir / "server.properties"
        log4j = self.data_dir / "log4j.properties"
        props.write_text(self._server_properties(), encoding="utf-8")
        log4j.write_text(self._log4j_properties(), encoding="utf-8")
        classpath = str(libs / "*")  # expanded by the JVM itself, not a shell
        log4j_opt = f"-Dlog4j.configuration={log4j.as_uri()}"

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
        preexec = _parent_death_signal() if self.die_with_parent else None
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
            if not _port_open(self.port):
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

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL) and remove its data dir. Idempotent."""
        with self._lock:
            proc = self._proc
            self._proc = None
            _LIVE.discard(self)
            if proc is not None and proc.poll() is None:
                self._signal(proc, signal.SIGTERM)
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
            parts.append(f"--- {self.stdout_log.name} (tail) ---\n{_tail(self.stdout_log)}")
        if self.server_log is not None:
            parts.append(f"--- {self.server_log.name} (tail) ---\n{_tail(self.server_log)}")
        return "\n".join(parts)

    # ------------------------------------------------------------ config files

    def _server_properties(self) -> str:
        assert self.data_dir is not None
        props: dict[str, str] = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "kraft-logs"),
            "num.partitions": "1",
            "auto.create.topics.enable": "true",
            "delete.topic.enable": "true",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.segment.bytes": str(16 * 1024 * 1024),
            "log.retention.hours": "24",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "metadata.log.segment.bytes": str(8 * 1024 * 1024),
        }
        props.update(self.extra_properties)
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _log4j_properties(self) -> str:
        assert self.data_dir is not None
        return (
            "log4j.rootLogger=WARN, file\n"
            "log4j.appender.file=org.apache.log4j.FileAppender\n"
            f"log4j.appender.file.File={self.data_dir / 'server.log'}\n"
            "log4j.appender.file.Append=true\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            # One INFO line marking readiness helps when reading the log.
            "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
        )


class _BindRaceError(KafkaLocalError):
    """A listener port was taken before the JVM bound it; start() may retry."""

    def __init__(self, message: str, *, port: int | None) -> None:
        super().__init__(message)
        self.port = port


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streams.kafka_local",
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
