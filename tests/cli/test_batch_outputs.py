"""``sanitizer sanitize`` never destroys its input, never mixes two outputs, and says when the
input was mostly garbage (issue 12, items 1, 5 and 9)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.conftest import Run, valid_lines, write_jsonl


@pytest.mark.parametrize("target", ["--output", "--quarantine", "--dropped"])
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(
    run: Run, tmp_path: Path, target: str
) -> None:
    source = write_jsonl(tmp_path / "copy.jsonl", valid_lines(5))
    before = source.read_bytes()
    paths = {"--output": tmp_path / "o.jsonl", "--quarantine": tmp_path / "q.jsonl",
             "--dropped": tmp_path / "d.jsonl", target: source}  # fmt: skip
    args = [str(source)] + [part for option, path in paths.items() for part in (option, str(path))]
    result = run("sanitize", *args)
    assert result.exit_code == 2, result.output
    assert source.read_bytes() == before  # not truncated
    assert f"{target} {source} is the input" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback


def test_the_input_reached_through_a_link_or_another_spelling_is_refused(
    run: Run, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", valid_lines(3))
    before = source.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    for alias in (
        tmp_path / "link.jsonl",
        tmp_path / "hard.jsonl",
        tmp_path / "." / "events.jsonl",
    ):
        result = run("sanitize", str(source), "-o", str(alias), "-q", str(tmp_path / "q.jsonl"))
        assert result.exit_code == 2, (alias, result.output)
        assert source.read_bytes() == before


def test_stdin_redirected_from_the_output_file_is_refused(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", valid_lines(3))
    before = source.read_bytes()
    with source.open("rb") as stdin:
        saved = os.dup(0)
        os.dup2(stdin.fileno(), 0)
        try:
            result = run("sanitize", "-", "-o", str(source), "-q", str(tmp_path / "q.jsonl"))
        finally:
            os.dup2(saved, 0)
            os.close(saved)
    assert result.exit_code == 2, result.output
    assert "stdin's file" in result.stderr
    assert source.read_bytes() == before


def test_two_outputs_on_one_file_are_refused(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", valid_lines(3))
    same = str(tmp_path / "out.jsonl")
    result = run("sanitize", str(source), "-o", same, "-q", same)
    assert result.exit_code == 2
    assert "--output and --quarantine are the same file" in result.stderr


def test_sanitized_and_quarantine_both_on_stdout_are_refused(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", [*valid_lines(3), b"{not json"])
    result = run("sanitize", str(source), "-o", "-", "-q", "-")
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing was written at all
    assert "--output and --quarantine both write to stdout" in result.stderr


def test_a_mostly_garbage_input_warns_but_completes(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", [*valid_lines(8), b"garbage", b"[1"])
    result = run("sanitize", str(source), "-o", str(tmp_path / "o"), "-q", str(tmp_path / "q"))
    assert result.exit_code == 0, result.output
    assert "warning: 2 of 10 lines (20.0%) were quarantined" in result.stderr


def test_a_few_bad_lines_do_not_warn(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", [*valid_lines(19), b"garbage"])
    result = run("sanitize", str(source), "-o", str(tmp_path / "o"), "-q", str(tmp_path / "q"))
    assert result.exit_code == 0, result.output
    assert "were quarantined" not in result.stderr  # 5% is under the 10% threshold


def test_max_quarantine_ratio_turns_garbage_into_exit_1(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "events.jsonl", [b"garbage"] * 4)
    out, quarantine = tmp_path / "o", tmp_path / "q"
    args = [str(source), "-o", str(out), "-q", str(quarantine), "--max-quarantine-ratio", "0.5"]
    result = run("sanitize", *args)
    assert result.exit_code == 1, result.output
    assert "4 of 4 lines (100.0%) were quarantined, more than --max-quarantine-ratio 0.5" in (
        result.stderr
    )
    assert len(quarantine.read_bytes().splitlines()) == 4  # the outputs are still written
    within = run("sanitize", *args[:-1], "1")
    assert within.exit_code == 0, within.output


def test_an_empty_input_says_zero_lines(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "empty.jsonl", [])
    result = run("sanitize", str(source), "-o", str(tmp_path / "o"), "-q", str(tmp_path / "q"))
    assert result.exit_code == 0, result.output
    assert f"0 lines in {source}: nothing to sanitize" in result.stderr
    assert "outcome" not in result.stderr  # no empty table
