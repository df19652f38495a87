"""Commands of the streaming service: ``worker``, ``topics create/list``, ``optout``.

Plain functions with typer annotations, registered in ``cli/main.py``. Configuration comes
from ``SANITIZER_*`` environment variables (``streams.settings``); the few options here only
override them for one run. Errors say what to set, and never echo a secret. Kafka errors are
one line naming the servers (``streams.connection``), exit code 3.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.catalog import print_rows
from cli.errors import EXIT_FOUND, fail, reporting_errors, stderr, warn
from streams.runtime import SetupError, pipeline_for
from streams.settings import ServiceSettings, load_settings


def _settings(**overrides: object) -> ServiceSettings:
    with reporting_errors():
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def worker(
    insecure_dev_key: Annotated[
        bool,
        typer.Option(
            "--insecure-dev-key",
            help="Use a fixed, public HMAC key when none is set. Never for real data.",
        ),
    ] = False,
    log_level: Annotated[
        str | None, typer.Option("--log-level", "-l", help="Default: SANITIZER_LOG_LEVEL or info.")
    ] = None,
) -> None:
    """Run a streaming worker: raw topic → sanitized topic (or quarantine). Config: SANITIZER_*."""
    from streams.worker import run_worker  # Faust: imported only by the command that runs it

    settings = _settings(insecure_dev_key=insecure_dev_key or None, log_level=log_level)
    try:
        pipeline = pipeline_for(settings, warn=warn)
    except SetupError as error:
        raise fail(str(error)) from None
    run_worker(settings, pipeline)


def topics_create(
    partitions: Annotated[
        int | None, typer.Option(help="Default: SANITIZER_PARTITIONS (8).", min=1)
    ] = None,
    replication: Annotated[
        int | None, typer.Option(help="Default: SANITIZER_REPLICATION_FACTOR (1).", min=1)
    ] = None,
    retention_ms: Annotated[
        int | None, typer.Option(help="Raw/sanitized retention. Default: 7 days.")
    ] = None,
) -> None:
    """Create the raw, sanitized, quarantine and opt-out topics (existing ones are kept)."""
    from streams.topics import create_topics

    settings = _settings(
        partitions=partitions, replication_factor=replication, retention_ms=retention_ms
    )
    with (
        reporting_errors(settings),
        stderr.status(f"creating topics on {settings.bootstrap_servers}"),
    ):
        result = create_topics(settings)
    for name in result.created:
        typer.echo(f"created {name}")
    for name in result.existing:
        typer.echo(f"exists  {name}")


def topics_list() -> None:
    """Show the service's four topics as the cluster has them: partitions, or missing.

    Exit code 1 when one is missing (run `sanitizer topics create`)."""
    from streams.topics import topic_status

    settings = _settings()
    with (
        reporting_errors(settings),
        stderr.status(f"reading topics from {settings.bootstrap_servers}"),
    ):
        statuses = topic_status(settings)
    rows = []
    for status in statuses:
        partitions = "missing" if status.partitions is None else str(status.partitions)
        rows.append((status.spec.name, status.role, partitions, status.cleanup or "-"))
    print_rows(("topic", "role", "partitions", "cleanup"), rows)
    missing = [status.spec.name for status in statuses if status.partitions is None]
    if missing:
        raise fail(f"missing: {', '.join(missing)}; create them with `sanitizer topics create`",
                   EXIT_FOUND)  # fmt: skip


def _publish_optout(user_id: str, *, opted_out: bool) -> None:
    from streams.optout import publish_optout

    settings = _settings()
    try:
        with reporting_errors(settings):
            publish_optout(settings, user_id, opted_out=opted_out)
    except ValueError as error:
        raise fail(str(error)) from None


def optout_add(
    user_id: Annotated[str, typer.Argument(help="The raw user id (login or email).")],
) -> None:
    """Opt a user out: from now on every worker drops their events unread."""
    _publish_optout(user_id, opted_out=True)
    typer.echo("opted out")  # the id itself is not echoed back into logs


def optout_remove(
    user_id: Annotated[str, typer.Argument(help="The raw user id (login or email).")],
) -> None:
    """Undo an opt-out (writes a tombstone to the compacted opt-out topic)."""
    _publish_optout(user_id, opted_out=False)
    typer.echo("opt-out removed")


def optout_list(
    user_id: Annotated[
        str | None,
        typer.Argument(help="Only say whether this raw user id is opted out (exit 1 if not)."),
    ] = None,
    ids: Annotated[
        bool, typer.Option("--ids", help="Print the raw user ids of every opted-out user.")
    ] = False,
) -> None:
    """Read the opt-out registry (the compacted topic, to its end): how many users are opted out.

    By default it prints only the count, safe for logs and tickets. The registry holds raw user
    ids (what `optout add` was given and `optout remove` needs); they are personal data, so they
    are printed only with --ids (one per line, on stdout) or checked one at a time with USER_ID.
    Pseudonyms are not printed: they need the HMAC key and change with the policy's rotation.
    """
    from streams.optout import read_registry

    settings = _settings()
    with reporting_errors(settings), stderr.status(f"reading {settings.optout_topic}"):
        opted_out = read_registry(settings)
    if user_id is not None:
        if user_id not in opted_out:
            typer.echo("not opted out")
            raise typer.Exit(EXIT_FOUND)
        typer.echo("opted out")
        return
    if ids:
        for name in sorted(opted_out):
            typer.echo(name)
    stderr.print(f"{len(opted_out):,} user(s) opted out (registry {settings.optout_topic})")
