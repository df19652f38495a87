"""Configuration mistakes get one line that names the problem (issue 12, items 4 and 5):
unknown ``SANITIZER_*`` variables, an unreachable broker, a run without a directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localdev.worker_process import free_port
from tests.cli.conftest import TEST_KEY, Run, event, write_jsonl

UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1: every connection is refused


@pytest.mark.parametrize(
    ("variable", "suggestion"),
    [
        ("SANITIZER_BOOTSTRAP_SERVER", "SANITIZER_BOOTSTRAP_SERVERS"),
        ("SANITIZER_HMAC_KEYFILE", "SANITIZER_HMAC_KEY_FILE"),
        ("SANITIZER_DIRECTORY", "SANITIZER_DIRECTORY_PATH"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["topics", "create"],
        ["topics", "list"],
        ["optout", "list"],
        ["optout", "add", "jane"],
        ["worker"],
        ["audit", "--topic", "t", "--no-presidio"],
        ["simulate", "--bootstrap", UNREACHABLE, "--count", "1"],
        ["sanitize", "-", "-o", "-", "-q", "/dev/null"],
    ],
)
def test_an_unknown_sanitizer_variable_is_refused_with_the_closest_name(
    run: Run, command: list[str], variable: str, suggestion: str
) -> None:
    result = run(*command, env={variable: "x"}, input=b"")
    assert result.exit_code == 2, result.output
    assert f"unknown variable {variable}; did you mean {suggestion}?" in result.stderr
    assert "Traceback" not in result.output


def test_the_documented_non_settings_variables_are_allowed(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [])
    env = {"SANITIZER_KAFKA_CACHE": str(tmp_path), "SANITIZER_KEYSTROKES_DIR": str(tmp_path)}
    result = run("sanitize", str(source), "-o", str(tmp_path / "o"), "-q", str(tmp_path / "q"),
                 env=env)  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("command", "setting"),
    [
        (["audit", "--topic", "interactions.sanitized", "--no-presidio"],
         "SANITIZER_BOOTSTRAP_SERVERS"),
        (["audit", "--topic", "t", "--bootstrap", UNREACHABLE, "--no-presidio"], "--bootstrap"),
        (["simulate", "--bootstrap", UNREACHABLE, "--count", "10"], "--bootstrap"),
        (["topics", "create"], "SANITIZER_BOOTSTRAP_SERVERS"),
        (["topics", "list"], "SANITIZER_BOOTSTRAP_SERVERS"),
        (["optout", "add", "jane.doe@corp.example"], "SANITIZER_BOOTSTRAP_SERVERS"),
        (["optout", "remove", "jane.doe@corp.example"], "SANITIZER_BOOTSTRAP_SERVERS"),
        (["optout", "list"], "SANITIZER_BOOTSTRAP_SERVERS"),
    ],
)  # fmt: skip
def test_an_unreachable_broker_is_one_line_naming_servers_and_setting(
    run: Run, command: list[str], setting: str
) -> None:
    result = run(*command, env={"SANITIZER_BOOTSTRAP_SERVERS": UNREACHABLE})
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: cannot reach Kafka at {UNREACHABLE} (from {setting}) within 5 s: is the broker "
        "running and the address right? (KafkaTimeoutError)"
    ]
    assert "jane.doe" not in result.output  # the raw id is not echoed, even in an error


def test_the_sanitize_command_warns_once_without_a_directory(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [b'{"x": 1}'])
    args = ["sanitize", str(source), "-o", str(tmp_path / "o"), "-q", str(tmp_path / "q")]
    without = run(*args)
    assert without.exit_code == 0, without.output
    assert without.stderr.count("warning: no employee directory") == 1
    assert "--directory" in without.stderr
    directory = tmp_path / "people.csv"
    directory.write_text("display_name,email,login\nRafael Petrova,rp@corp.example,rpetrova\n")
    with_directory = run(*args, "--directory", str(directory))
    assert "no employee directory" not in with_directory.stderr


def test_without_a_directory_names_are_kept_as_the_warning_says(run: Run, tmp_path: Path) -> None:
    import orjson

    title = "RE: offer letter for Rafael Petrova - Message (HTML)"
    line = orjson.dumps(event(1, type="window_focus", app="Outlook", window_title=title))
    source = write_jsonl(tmp_path / "in.jsonl", [line])
    out = tmp_path / "o"
    run("sanitize", str(source), "-o", str(out), "-q", str(tmp_path / "q"))
    assert "Rafael Petrova" in out.read_text()  # the limit the warning and the README state
    directory = tmp_path / "people.csv"
    directory.write_text("display_name,email,login\nRafael Petrova,rp@corp.example,rpetrova\n")
    run("sanitize", str(source), "-o", str(out), "-q", str(tmp_path / "q"), "-d", str(directory))
    assert "<PERSON>" in out.read_text() and "Petrova" not in out.read_text()


def test_the_worker_warns_at_startup_without_a_directory(tmp_path: Path) -> None:
    """The worker's warning comes before it connects (its broker here is unreachable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANITIZER_")} | {
        "SANITIZER_HMAC_KEY": TEST_KEY, "SANITIZER_BOOTSTRAP_SERVERS": UNREACHABLE,
        "SANITIZER_DATA_DIR": str(tmp_path), "SANITIZER_METRICS_PORT": str(free_port()),
    }  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        assert worker.stderr is not None
        while time.monotonic() < deadline:
            line = worker.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "no employee directory" in line:
                break
        assert any("no employee directory" in line for line in lines), "".join(lines)
        assert any("SANITIZER_DIRECTORY_PATH" in line for line in lines)
    finally:
        worker.kill()
        worker.wait(timeout=30)
