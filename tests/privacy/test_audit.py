"""sanitizer audit: every known secret is found with its line and field, never echoed whole;
what sanitization leaves on purpose (pseudonyms, placeholders) is not a finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner

from cli.audit import audit
from privacy.audit import NeedleSet, Scanner
from transforms.directory import Directory, Person

PSEUDO = "0123456789abcdef0123456789abcdef"
CLEAN: dict[str, Any] = {
    "schema": "interaction.sanitized/v1", "user_id": PSEUDO, "session_id": PSEUDO,
    "event_id": PSEUDO, "key_id": "8a1b10f776d1/2026-05", "seq": 3, "ts": 1_778_758_187_000,
    "type": "window_focus", "app": "Microsoft Outlook", "os": "macOS 15.4",
    "window_title": "RE: offer for <PERSON> - <EMAIL_ADDRESS> - Message (HTML)",
    "url": "https://mail.example.com/<ID>/inbox", "screen": [2560, 1440],
}  # fmt: skip
SECRET = "the quick brown fox jumps"


def scan(events: list[dict[str, Any]], scanner: Scanner | None = None) -> list[Any]:
    scanner = scanner or Scanner([NeedleSet("canary", [SECRET])], None)
    return list(scanner.scan_lines(orjson.dumps(e) for e in events))


def test_clean_output_with_pseudonyms_and_placeholders_has_no_finding() -> None:
    assert scan([CLEAN, {**CLEAN, "window_title": "main.py - payments - Visual Studio Code"}]) == []


def test_a_canary_is_found_with_line_and_field_but_not_echoed() -> None:
    leaked = {**CLEAN, "window_title": "Notes: The Quick Brown Fox Jumps over it"}
    (finding,) = scan([CLEAN, leaked])
    assert (finding.line, finding.field, finding.kind) == (2, "window_title", "canary")
    assert "quick" not in finding.describe().casefold()
    assert "(25 chars)" in finding.describe()


def test_raw_identifiers_and_unpseudonymized_id_fields_are_found() -> None:
    scanner = Scanner([NeedleSet("raw identifier", ["jdoe"])], None, presidio=False)
    findings = scan([{**CLEAN, "user_id": "jdoe"}], scanner)
    assert {(f.field, f.kind) for f in findings} == {
        ("user_id", "raw identifier"), ("user_id", "identifier not pseudonymized"),
    }  # fmt: skip


def test_directory_entries_and_presidio_entities_are_found() -> None:
    people = Directory([Person("Rafael Petrova", "rafael.petrova2@corp.example", "rpetrova27")])
    scanner = Scanner([], people)
    findings = scan([{**CLEAN, "window_title": "Chat with Rafael, call +1 415 555 0100"}], scanner)
    kinds = {f.kind for f in findings}
    assert "directory PERSON" in kinds and "presidio PHONE_NUMBER" in kinds
    assert all(f.field == "window_title" for f in findings)


def test_nested_values_and_keys_are_scanned() -> None:
    findings = scan([{**CLEAN, "extra": {SECRET: [1, f"x {SECRET}"]}}])
    assert {f.field for f in findings} == {f"extra.{SECRET} (key)", f"extra.{SECRET}[1]"}


def test_a_line_that_is_not_json_is_a_finding() -> None:
    scanner = Scanner([], None, presidio=False)
    (finding,) = scanner.scan_lines([b"{not json"])
    assert finding.kind == "not JSON" and finding.line == 1


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(audit)
    return app


def test_the_command_exits_non_zero_on_findings_only(cli: typer.Typer, tmp_path: Path) -> None:
    canaries = tmp_path / "canaries.txt"
    canaries.write_text(f"{SECRET}\nab\n")  # too short to be a canary: ignored
    clean, dirty = tmp_path / "clean.jsonl", tmp_path / "dirty.jsonl"
    clean.write_bytes(orjson.dumps(CLEAN) + b"\n")
    dirty.write_bytes(orjson.dumps({**CLEAN, "window_title": SECRET}) + b"\n")
    runner = CliRunner()
    ok = runner.invoke(cli, [str(clean), "--canaries", str(canaries)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, [str(dirty), "--canaries", str(canaries)])
    assert bad.exit_code == 1 and "line 1, field window_title" in bad.output
    assert SECRET not in bad.output
    missing = runner.invoke(cli, [str(clean), "--directory", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
