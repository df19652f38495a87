"""sanitizer report: one self-contained HTML page with the verdicts, keystrokes, mouse,
retention and k-anonymity, the version and the date."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.evaluate import evaluate_mouse
from cli.evaluate import main as evaluate_timing
from cli.report import report
from privacy.evaluation.keystrokes import Participant
from tests.privacy.test_mouse import make_data


def test_the_report_is_one_self_contained_page_with_verdicts(
    tmp_path: Path, participants: list[Participant]
) -> None:
    timing = tmp_path / "timing.json"
    # Kept small (the page, not the figures, is under test): raw comes from the mouse part.
    args = ["--participants", "8", "--query", "half", "--simulator-minutes", "0.25"]
    args += ["--policy", "per-event", "--policy", "default"]
    assert evaluate_timing([*args, "--letters", "logged", "--json", str(timing)]) == 0
    mouse = tmp_path / "mouse.json"
    app = typer.Typer()
    app.command()(evaluate_mouse)
    mouse_args = ["--data-dir", str(make_data(tmp_path / "mouse")), "--json", str(mouse)]
    for policy in ("raw", "per-event", "default"):
        mouse_args += ["--policy", policy]
    assert CliRunner().invoke(app, mouse_args).exit_code == 0

    app = typer.Typer()
    app.command()(report)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["--out", str(out), "--results", str(timing), "--results", str(mouse)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert "Dhakal" in page and "Fülöp" in page and "What training keeps" in page
    assert "k-anonymity" in page and "<th>k=1</th>" in page
    assert re.search(r"interaction-sanitizer \S+, \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
    verdicts = [*json.loads(timing.read_text())["verdicts"]]
    verdicts += json.loads(mouse.read_text())["verdicts"]
    assert page.count('<td class="PASS">') + page.count('<td class="FAIL">') == len(verdicts)
    for target in ("typist (logged)", "mouse user", "clicks faithful", "events with k = 1",
                   "order of actions", "median click error"):  # fmt: skip
        assert target in page, target
    for policy in ("raw", "per-event", "default"):
        assert f"<td>{policy}</td>" in page
    # Nothing is loaded from elsewhere: no scripts, no external images, styles or fonts.
    assert "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(?!#)', page)
