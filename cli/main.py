"""The ``sanitizer`` command line: one module per command group, each thin over the package that
does the work (``transforms``, ``streams``, ``privacy``, ``localdev``). This file wires them."""

from __future__ import annotations

import typer

from cli import audit, batch, demo, evaluate, report, service, simulate

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
app.command("evaluate-timing")(evaluate.evaluate_timing)
app.command("evaluate-mouse")(evaluate.evaluate_mouse)
app.command("report")(report.report)
app.command("worker")(service.worker)
topics_app = typer.Typer(help="Kafka topics of the streaming service.", no_args_is_help=True)
topics_app.command("create")(service.topics_create)
app.add_typer(topics_app, name="topics")
optout_app = typer.Typer(help="The opt-out registry (compacted topic).", no_args_is_help=True)
optout_app.command("add")(service.optout_add)
optout_app.command("remove")(service.optout_remove)
app.add_typer(optout_app, name="optout")


if __name__ == "__main__":
    app()
