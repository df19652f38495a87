"""The Kafka broker's jars, fetched once from Maven Central with ``mvn`` into a cache directory
(``$SANITIZER_KAFKA_CACHE`` or ``~/.cache/interaction-sanitizer``)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

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


def default_cache_dir() -> Path:
    """Return ``$SANITIZER_KAFKA_CACHE`` or ``~/.cache/interaction-sanitizer``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "interaction-sanitizer"


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
