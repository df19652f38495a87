"""Operating-system helpers for the local broker: free ports, the JVM, and a child that dies with
its parent."""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from localdev.kafka.jars import KafkaLocalError


def tail(path: Path, max_lines: int = 40) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            lines = fh.readlines()
    except OSError:
        return "<no log>"
    return "".join(lines[-max_lines:]) if lines else "<empty>"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def new_cluster_id() -> str:
    """22-char base64url UUID, as ``kafka-storage random-uuid`` would produce.

    Like Kafka's ``Uuid.randomUuid`` we avoid a leading ``-`` (the CLI parser would
    take it for an option).
    """
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not cid.startswith("-"):
            return cid


def java_executable() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    java = shutil.which("java")
    if java is None:
        raise KafkaLocalError("`java` not found (install a JRE >= 11 or set JAVA_HOME)")
    return java


def parent_death_signal() -> Callable[[], None] | None:
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
