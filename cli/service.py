"""Commands of the streaming service: ``worker``, ``topics create``, ``optout add/remove``.

Plain functions with typer annotations, registered in ``cli/main.py``. Configuration comes
from ``SANITIZER_*`` environment variables (``streams.settings``); the few options here only
override them for one run. Errors say what to set, and never echo a secret.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from streams.runtime import SetupError, pipeline_for
from streams.settings import ServiceSettings, load_settings
from streams.worker import run_worker

stderr = Console(stderr=True)
log = logging.getLogger(__name__)


def _settings(**overrides: object) -> ServiceSettings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["loc"]:  # a field; model-level checks name their variables themselves
            message = f"SANITIZER_{'_'.join(map(str, first['loc'])).upper()}: {message}"
        stderr.print(f"[bold red]error:[/] {message}")
        raise typer.Exit(2) from None


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
    settings = _settings(insecure_dev_key=insecure_dev_key or None, log_level=log_level)
    try:
        pipeline = pipeline_for(settings)
    except SetupError as error:
        stderr.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
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
    try:
        result = create_topics(settings)
    except Exception as error:  # kafka-python's errors: report, do not dump a traceback
        stderr.print(f"[bold red]error:[/] {settings.bootstrap_servers}: {error}")
        raise typer.Exit(1) from None
    for name in result.created:
        typer.echo(f"created {name}")
    for name in result.existing:
        typer.echo(f"exists  {name}")


def _publish_optout(user_id: str, *, opted_out: bool) -> None:
    from streams.optout import publish_optout

    settings = _settings()
    try:
        publish_optout(settings, user_id, opted_out=opted_out)
    except Exception as error:
        stderr.print(f"[bold red]error:[/] {settings.optout_topic}: {error}")
        raise typer.Exit(1) from None


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
