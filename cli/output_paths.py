"""Refuse output paths that would destroy data before a batch run opens anything.

Opening an output for writing truncates it. If it is the input (``-o events.jsonl`` on
``events.jsonl``, or a symlink or hard link to it), the input is gone before its first line is
read and the run "succeeds" on nothing. Two outputs on one file overwrite each other, and two on
stdout mix sanitized events with quarantine records.
"""

from __future__ import annotations

import os
import stat
from itertools import combinations
from pathlib import Path

STDIO = "-"


def _stat(path: str) -> os.stat_result | None:
    """A regular file's stat; None for one that does not exist (yet), and for devices and pipes
    (``/dev/null`` or a terminal on both sides loses nothing)."""
    try:
        result = os.fstat(0) if path == STDIO else os.stat(path)
    except OSError:
        return None
    return result if stat.S_ISREG(result.st_mode) else None


def clobbering_problem(source: str, targets: dict[str, str | None]) -> str | None:
    """What is wrong with writing ``targets`` (option -> path or ``-``) while reading
    ``source``, or None. Compares files (``os.path.samestat``), not spellings of paths."""
    named = [(option, target) for option, target in targets.items() if target is not None]
    on_stdout = [option for option, target in named if target == STDIO]
    if len(on_stdout) > 1:
        return (
            f"{' and '.join(on_stdout)} both write to stdout (-): their records would be mixed; "
            "give all but one of them a file"
        )
    files = [(option, target) for option, target in named if target != STDIO]
    source_stat = _stat(source)
    for option, target in files:
        target_stat = _stat(target)
        if source_stat and target_stat and os.path.samestat(source_stat, target_stat):
            what = "stdin's file" if source == STDIO else f"the input {source}"
            return (
                f"{option} {target} is {what}: it would be emptied before it is read; "
                "write the output to another file"
            )
    for (option_a, a), (option_b, b) in combinations(files, 2):
        stat_a, stat_b = _stat(a), _stat(b)
        same = Path(a).resolve() == Path(b).resolve() or (
            stat_a is not None and stat_b is not None and os.path.samestat(stat_a, stat_b)
        )
        if same:
            return f"{option_a} and {option_b} are the same file ({a}): give each its own file"
    return None
