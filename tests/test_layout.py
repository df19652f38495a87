"""The layout stays true: each package imports only the ones below it, the privacy core no Kafka
client, no module grows past about 300 lines without saying why, and tests mirror the packages.

The import rules are import-linter contracts in pyproject.toml; this runs them."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("transforms", "streams", "cli", "privacy", "localdev")
MAX_LINES = 300
# Test folders that are kinds of test rather than packages.
TEST_KINDS = {"integration"}


@contextmanager
def loggers_left_enabled() -> Iterator[None]:
    """import-linter configures logging with ``disable_existing_loggers``: every logger that
    existed stayed disabled, and later tests that read logs with ``caplog`` saw nothing."""
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = [logger.disabled for logger in loggers]
    try:
        yield
    finally:
        for logger, was_disabled in zip(loggers, disabled, strict=True):
            logger.disabled = was_disabled


def test_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    with loggers_left_enabled():
        exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert "2 kept, 0 broken" in report, report
    assert exit_code == 0


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_long_modules_say_why_at_the_top(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "Size:" in docstring, (
        f"{path.relative_to(ROOT)} has {lines} lines: split it, or give the reason in a "
        "'Size:' line of its module docstring"
    )


def test_tests_mirror_the_packages() -> None:
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name[0] not in "._"}
    assert folders - TEST_KINDS <= set(PACKAGES), folders
    assert set(PACKAGES) <= folders, f"no tests/ folder for {set(PACKAGES) - folders}"


def test_every_package_folder_is_one_the_contracts_know() -> None:
    folders = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert folders - {"tests"} == set(PACKAGES)
