"""The Kafka commands a newcomer uses to look around, on a real broker (issue 12, item 7):
``topics list`` and ``optout list``."""

from __future__ import annotations

import os
import uuid

from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from localdev.kafka import LocalKafka


def sanitizer(*args: str, env: dict[str, str]) -> Result:
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SANITIZER_")}
    return CliRunner().invoke(app, list(args), env=unset | env)


def rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.strip()}


def test_topics_list_shows_partitions_or_missing(kafka_broker: LocalKafka) -> None:
    suffix = uuid.uuid4().hex[:8]
    env = {
        "SANITIZER_BOOTSTRAP_SERVERS": kafka_broker.bootstrap,
        **{f"SANITIZER_{kind}_TOPIC": f"{kind.lower()}-{suffix}"
           for kind in ("RAW", "SANITIZED", "QUARANTINE", "OPTOUT")},
        "SANITIZER_PARTITIONS": "3",
    }  # fmt: skip
    before = sanitizer("topics", "list", env=env)
    assert before.exit_code == 1, before.output
    assert rows(before.stdout)[f"raw-{suffix}"] == ["raw", "missing", "-"]
    assert "sanitizer topics create" in before.stderr

    created = sanitizer("topics", "create", env=env)
    assert created.exit_code == 0, created.output
    after = sanitizer("topics", "list", env=env)
    assert after.exit_code == 0, after.output
    table = rows(after.stdout)
    assert table[f"raw-{suffix}"] == ["raw", "3", "delete"]
    assert table[f"sanitized-{suffix}"] == ["sanitized", "3", "delete"]
    assert table[f"quarantine-{suffix}"] == ["quarantine", "3", "delete"]
    assert table[f"optout-{suffix}"] == ["opt-out", "1", "compact"]


def test_optout_list_counts_checks_and_lists_only_when_asked(
    kafka_broker: LocalKafka, service_env: dict[str, str]
) -> None:
    env = {k: v for k, v in service_env.items() if k != "SANITIZER_HMAC_KEY"}
    for user in ("jane.doe@corp.example", "rpetrova", "kwame"):
        assert sanitizer("optout", "add", user, env=env).exit_code == 0
    assert sanitizer("optout", "remove", "kwame", env=env).exit_code == 0

    listed = sanitizer("optout", "list", env=env)
    assert listed.exit_code == 0, listed.output
    assert "2 user(s) opted out" in listed.stderr
    assert "jane.doe" not in listed.output and "rpetrova" not in listed.output  # count only

    with_ids = sanitizer("optout", "list", "--ids", env=env)
    assert with_ids.stdout.split() == ["jane.doe@corp.example", "rpetrova"]

    one = sanitizer("optout", "list", "rpetrova", env=env)
    assert (one.exit_code, one.stdout.strip()) == (0, "opted out")
    removed = sanitizer("optout", "list", "kwame", env=env)
    assert (removed.exit_code, removed.stdout.strip()) == (1, "not opted out")
