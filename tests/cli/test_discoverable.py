"""A CLI a newcomer can discover: ``--version``, help without template noise, help that says
what options mean, summaries that say how much was read (issue 12, items 7 and 8)."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import orjson
import pytest
from typer.main import get_command

from cli.main import app
from tests.cli.conftest import Run, write_jsonl


def test_version_prints_the_installed_version(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sanitizer {version('interaction-sanitizer')}"


def every_command_path() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", every_command_path(), ids=lambda path: " ".join(path) or "-")
def test_help_has_no_type_placeholders(run: Run, path: list[str]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.stdout and "<str>" not in result.stdout
    assert not re.search(r"\{[A-Z_]+\}", result.stdout), result.stdout  # no "{INPUT}"


def test_flags_take_no_value_and_values_have_metavars(run: Run) -> None:
    text = run("sanitize", "--help").stdout
    assert re.search(r"--quarantine-raw\s+Also copy", text)
    assert re.search(r"--output\s+-o\s+FILE", text)
    assert "Usage: root sanitize [OPTIONS] INPUT" in text or "sanitize [OPTIONS] INPUT" in text


def test_commands_are_listed_for_discovery(run: Run) -> None:
    text = run("--help").stdout
    for group in ("transforms", "policy", "topics", "optout"):
        assert group in text
    assert "list" in run("topics", "--help").stdout
    assert "list" in run("optout", "--help").stdout


def test_simulate_help_says_duration_is_simulated_time(run: Run) -> None:
    text = " ".join(run("simulate", "--help").stdout.replace("│", " ").split())
    assert "Simulated time" in text and "not how long the command runs" in text
    assert "wall time is about events / rate" in text


def test_audit_of_a_file_says_how_many_lines_it_read(run: Run, tmp_path: Path) -> None:
    clean = {"schema": "interaction.sanitized/v1", "type": "window_focus", "app": "Slack",
             "window_title": "general - <PERSON> - Slack"}  # fmt: skip
    source = write_jsonl(tmp_path / "sanitized.jsonl", [orjson.dumps(clean)] * 1234)
    result = run("audit", str(source), "--no-presidio")
    assert result.exit_code == 0, result.output
    assert f"audit: no findings in 1,234 lines of {source}" in " ".join(result.stdout.split())


def test_the_top_level_help_lists_the_exit_codes(run: Run) -> None:
    text = " ".join(run("--help").stdout.replace("│", " ").split())
    assert "Exit codes: 0 done; 1" in text and "3 Kafka could not be reached" in text
