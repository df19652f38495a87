"""Helpers for command-line tests: run ``sanitizer`` in-process (typer's CliRunner) with a clean
``SANITIZER_*`` environment, and small JSONL inputs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app

TEST_KEY = "cli-test-hmac-key-" + "0" * 24
SAMPLE = Path("/work/shared/samples/raw-sample.jsonl")  # the shipped sample, where present

Run = Callable[..., Result]


def clean_env(**variables: str) -> dict[str, str | None]:
    """Every SANITIZER_* variable of the outer environment unset, then ``variables`` set."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SANITIZER_")}
    return unset | dict(variables)


@pytest.fixture
def run() -> Run:
    """``run(*args, env={...}, input=None)``: the CLI in-process, with the test key set."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
        variables = {"SANITIZER_HMAC_KEY": TEST_KEY} | (env or {})
        return CliRunner().invoke(app, list(args), env=clean_env(**variables), input=input)

    return invoke


def event(n: int, **fields: object) -> dict[str, object]:
    return {
        "schema": "interaction/v1", "event_id": f"e-{n}", "user_id": "jdoe", "session_id": "s-1",
        "seq": n, "ts": 1_778_758_187_249 + n, "type": "mouse_move", "x": n, "y": n, **fields,
    }  # fmt: skip


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def valid_lines(count: int) -> list[bytes]:
    return [orjson.dumps(event(n)) for n in range(count)]
