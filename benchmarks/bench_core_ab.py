"""The core of this checkout against the core of another commit, in one process, rounds interleaved.

``bench_core.py`` compares the default policy with orjson loads+dumps; on a shared machine its
ratio moves by a third from run to run, more than most single changes to the core. This script
loads the ``transforms`` package of REV (``git archive``, renamed ``transforms_base``) beside the
current one, checks that both give the same output on the input, and times orjson, REV and this
checkout round by round over the same events (CPU time), so that a neighbour's load weighs on
all three alike. Run:

    .venv/bin/python benchmarks/bench_core_ab.py REV [--events 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import SAMPLE, baseline, make_events  # noqa: E402

_IMPORTS = re.compile(rb"\b(from|import) transforms(\.| )")


def export_transforms(rev: str, into: Path) -> None:
    """``transforms/`` of ``rev`` as the package ``transforms_base`` under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "transforms"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith(".py"):
                data = _IMPORTS.sub(rb"\1 transforms_base\2", data)
                data = data.replace(b'"transforms.policies"', b'"transforms_base.policies"')
            target = into / member.name.replace("transforms", "transforms_base", 1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def pipeline_of(package: str, key: bytes) -> tuple[Any, type]:
    policy = importlib.import_module(f"{package}.policy")
    context = importlib.import_module(f"{package}.context")
    keyring = importlib.import_module(f"{package}.keyring")
    sanitized = importlib.import_module(f"{package}.pipeline").Sanitized
    built = policy.build_pipeline(
        policy.load_policy(), context.Context(keyring=keyring.Keyring(key))
    )
    return built, sanitized


def outputs(pipeline: Any, sanitized: type, lines: list[bytes]) -> list[bytes]:
    written = []
    for line in lines:
        outcome = pipeline.sanitize_json(line)
        if type(outcome) is sanitized:
            written.append(b"\n".join(orjson.dumps(e) for e in outcome.events))  # type: ignore[attr-defined]
        else:
            written.append(repr(outcome).encode())
    return written


def sanitize_all(pipeline: Any, sanitized: type, lines: list[bytes]) -> int:
    size = 0
    for line in lines:
        outcome = pipeline.sanitize_json(line)
        if type(outcome) is sanitized:
            size += len(orjson.dumps(outcome.event))  # type: ignore[attr-defined]
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare with, e.g. main or 3e65d6f")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()

    lines = make_events(args.events, args.sample)
    key = os.urandom(32)
    with tempfile.TemporaryDirectory() as tmp:  # kept until the end: lazy imports read it
        export_transforms(args.rev, Path(tmp))
        sys.path.insert(0, tmp)
        compare(args.rev, lines, key, args.rounds)


def compare(rev: str, lines: list[bytes], key: bytes, rounds: int) -> None:
    checked = lines[:30_000]
    same = outputs(*pipeline_of("transforms_base", key), checked) == outputs(
        *pipeline_of("transforms", key), checked
    )
    print(f"same output on the first {len(checked):,} events: {same}")
    old, old_sanitized = pipeline_of("transforms_base", key)
    new, new_sanitized = pipeline_of("transforms", key)
    sanitize_all(old, old_sanitized, lines[:2000])  # warm the title caches
    sanitize_all(new, new_sanitized, lines[:2000])

    runs = {
        "orjson": lambda: baseline(lines),
        rev: lambda: sanitize_all(old, old_sanitized, lines),
        "this checkout": lambda: sanitize_all(new, new_sanitized, lines),
    }
    best = dict.fromkeys(runs, float("inf"))
    for round_number in range(1, rounds + 1):
        took = {}
        for name, run in runs.items():
            started = time.process_time()
            run()
            took[name] = time.process_time() - started
            best[name] = min(best[name], took[name])
        print(
            f"round {round_number}: ratio {rev} {took['orjson'] / took[rev]:.3f}, "
            f"this checkout {took['orjson'] / took['this checkout']:.3f}, "
            f"speed-up {took[rev] / took['this checkout']:.2f}x"
        )
    for name, seconds in best.items():
        print(f"best {name:14s}: {seconds / len(lines) * 1e6:6.2f} µs/event")
    print(
        f"ratio policy/orjson (best): {rev} {best['orjson'] / best[rev]:.3f}, "
        f"this checkout {best['orjson'] / best['this checkout']:.3f}; "
        f"speed-up {best[rev] / best['this checkout']:.2f}x"
    )


if __name__ == "__main__":
    main()
