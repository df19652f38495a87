"""The ``sanitizer`` command line. Each command lives in the module that owns its work;
this file only wires them together."""

from __future__ import annotations

import typer

from streams import batch

app = typer.Typer(
    name="sanitizer",
    help="Anonymize interaction telemetry: batch files, or a Kafka stream with Faust workers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("sanitize")(batch.sanitize)
app.command("check")(batch.check)

# --- streaming service commands (streams/service_cli.py) are registered below ---


if __name__ == "__main__":
    app()
