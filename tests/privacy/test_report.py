"""sanitizer report: one self-contained HTML page with the three plots and both tables."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.report import report
from privacy.evaluation.keystrokes import Participant


def test_the_report_is_one_self_contained_page(
    tmp_path: Path, participants: list[Participant]
) -> None:
    app = typer.Typer()
    app.command()(report)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["--out", str(out), "--participants", "12"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert "Dhakal" in page and "What training keeps" in page and "k-anonymity" in page
    for policy in ("raw", "loose", "default", "strict"):
        assert f"<td>{policy}</td>" in page
    # Nothing is loaded from elsewhere: no scripts, no external images, styles or fonts.
    assert "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(?!#)', page)
