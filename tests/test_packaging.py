"""Installing the project prints no setuptools warnings, and ``scripts/bootstrap`` says what it
is doing (issue 12, item 6)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_license_is_an_spdx_string_for_a_setuptools_that_reads_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"]  # PEP 639 support


def test_building_the_project_prints_no_setuptools_warning(tmp_path: Path) -> None:
    """The same PEP 517 build the editable install runs (isolated, setuptools>=77)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--progress-bar", "off",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600, env={"PATH": "/usr/bin:/bin",
         "HOME": str(Path.home())},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Warning" not in output and "deprecated" not in output, output
    assert list(tmp_path.glob("interaction_sanitizer-*.whl"))


def test_bootstrap_reports_each_step_and_shows_pip_progress() -> None:
    script = (ROOT / "scripts" / "bootstrap").read_text()
    install = [line for line in script.splitlines() if "pip install" in line]
    assert install and all("--quiet" not in line and "| progress" in line for line in install)
    assert script.count('say "') >= 3  # creating, upgrading pip, installing, done
