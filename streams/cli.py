"""The ``sanitizer`` command line. Each command lives in the module that owns its work;
this file only wires them together."""

from __future__ import annotations

import typer

from streams import audit, batch, demo, report, simulate
from streams.evaluation import timing

app = typer.Typer(
    name="sanitizer",
    help="Anonymize interaction telemetry: batch files, or a Kafka stream with Faust workers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("demo")(demo.demo)
app.command("simulate")(simulate.simulate)
app.command("sanitize")(batch.sanitize)
app.command("check")(batch.check)
app.command("audit")(audit.audit)
app.command("evaluate-timing")(timing.evaluate_timing)
app.command("report")(report.report)

# --- streaming service commands (streams/service_cli.py) are registered below ---
from streams import service_cli  # noqa: E402  (kept with the block it serves)

app.command("worker")(service_cli.worker)
topics_app = typer.Typer(help="Kafka topics of the streaming service.", no_args_is_help=True)
topics_app.command("create")(service_cli.topics_create)
app.add_typer(topics_app, name="topics")
optout_app = typer.Typer(help="The opt-out registry (compacted topic).", no_args_is_help=True)
optout_app.command("add")(service_cli.optout_add)
optout_app.command("remove")(service_cli.optout_remove)
app.add_typer(optout_app, name="optout")


if __name__ == "__main__":
    app()
