"""Our worker against a Quix Streams application running the same policy, on the same messages.

Both read the same pre-produced topic from offset 0 with a fresh group id, run the default
policy built by ``streams.runtime.make_pipeline`` with the same key and directory, and write
sanitized and quarantine records; both are measured the same way (e2e_harness: output end
offsets against the exact expected count, rate from first to last output, CPU from /proc), on
three shapes of the same events (e2e_harness.SHAPES: single, batched, flush).

Quix Streams pins pydantic < 2.14 and pydantic-settings < 2.16, older than this project resolves
to, so it runs in its own virtualenv (``.venv-quix`` beside ``.venv``, made on first use with
this project and quixstreams), and installing it never downgrades the project's. Run:

    .venv/bin/python benchmarks/bench_peer.py [--events 200000] [--datasets single,batched,flush]

Numbers are from one run on one machine; no asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import e2e_harness as h
from bench_e2e import run_sanitizer

from localdev.kafka import LocalKafka
from localdev.worker_process import WorkerProcess, clean_environment

BENCH_DIR = Path(__file__).resolve().parent
QUIX_VENV = h.ROOT / ".venv-quix"
QUIX_REQUIREMENT = "quixstreams>=3.20,<4"


def quix_python() -> str:
    """The interpreter of the Quix virtualenv, made (once) with this project and quixstreams."""
    python = QUIX_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {QUIX_VENV} (once): this project and {QUIX_REQUIREMENT}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(QUIX_VENV)], check=True)
        install = [str(python), "-m", "pip", "install", "-q", "-e", str(h.ROOT), QUIX_REQUIREMENT]
        subprocess.run(install, check=True)
    return str(python)


def run_quix(bootstrap: str, ds: h.Dataset, workdir: Path) -> h.RunResult:
    run = uuid.uuid4().hex[:6]
    out, quarantine = f"bench-quix-{run}", f"bench-quix-q-{run}"
    h.create_topics(bootstrap, [out, quarantine])
    command = [
        quix_python(),
        str(BENCH_DIR / "quix_app.py"),
        "--bootstrap",
        bootstrap,
        "--raw",
        ds.topic,
        "--sanitized",
        out,
        "--quarantine",
        quarantine,
        "--group",
        f"quix-{run}",
        "--directory",
        str(workdir / "directory.csv"),
    ]
    env = clean_environment({"SANITIZER_HMAC_KEY": h.HMAC_KEY, "Quix__State__Dir": str(workdir)})
    counter = h.OutputCounter(bootstrap, [out, quarantine])
    with WorkerProcess(command, env, workdir / f"quix-{run}.log") as process:
        result = h.measure(
            process, counter, ds.outputs, ds.events, "quix streams app (per message)", ds.name
        )
    counter.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--datasets", default=",".join(h.SHAPES), help="message shapes")
    args = parser.parse_args()
    h.ensure_paced_producer()  # e2e_harness.produce writes the topics through librdkafka
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp, LocalKafka() as kafka:
        workdir, bootstrap = Path(tmp), kafka.bootstrap
        for name in args.datasets.split(","):
            ds = h.build_dataset(name, args.events, 7, workdir)
            h.produce(bootstrap, ds)
            print(
                f"\n[{name}] {ds.events:,} events in {len(ds.messages):,} messages, "
                f"{ds.sanitized:,} sanitized records"
            )
            peer = run_quix(bootstrap, ds, workdir)
            ours = run_sanitizer(bootstrap, ds, workdir)
            kept = ds.sanitized / ds.events  # both write the same sanitized events
            for result in (peer, ours):
                print(f"{result.line()}  = {result.events_per_s * kept:,.0f} sanitized events/s")
            ratio = ours.events_per_s / peer.events_per_s
            print(f"ratio worker/quix {name}: {ratio:.2f}  (target >= 1.0, stretch >= 1.5)")


if __name__ == "__main__":
    main()
