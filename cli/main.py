"""The ``sanitizer`` command line: one module per command group, each thin over the package that
does the work (``transforms``, ``streams``, ``privacy``, ``localdev``). This file wires them."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer

from cli import audit, batch, catalog, demo, evaluate, report, service, simulate
from cli.help_format import PlainHelpCommand, PlainHelpGroup

DISTRIBUTION = "interaction-sanitizer"


def _group(help: str) -> typer.Typer:
    return typer.Typer(
        help=help,
        cls=PlainHelpGroup,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


HELP = (
    "Anonymize interaction telemetry: batch files, or a Kafka stream with Faust workers.\n\n"
    "Exit codes: 0 done; 1 the command found what it looks for (audit findings, too many "
    "quarantined lines, a missing topic); 2 a usage or configuration error; 3 Kafka could not "
    "be reached (one line naming the servers and the setting)."
)

app = _group(HELP)
app.info.name = "sanitizer"


def _show_version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"sanitizer {version(DISTRIBUTION)}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("sanitizer (not installed: no version)")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The top-level options (the help text is HELP)."""


def _add(group: typer.Typer, name: str, function: Callable[..., Any]) -> None:
    group.command(name, cls=PlainHelpCommand)(function)


_add(app, "demo", demo.demo)
_add(app, "simulate", simulate.simulate)
_add(app, "sanitize", batch.sanitize)
_add(app, "check", batch.check)
_add(app, "audit", audit.audit)
_add(app, "evaluate-timing", evaluate.evaluate_timing)
_add(app, "evaluate-mouse", evaluate.evaluate_mouse)
_add(app, "report", report.report)
_add(app, "worker", service.worker)

topics_app = _group("Kafka topics of the streaming service.")
_add(topics_app, "create", service.topics_create)
_add(topics_app, "list", service.topics_list)
app.add_typer(topics_app, name="topics")

optout_app = _group("The opt-out registry (compacted topic).")
_add(optout_app, "add", service.optout_add)
_add(optout_app, "remove", service.optout_remove)
_add(optout_app, "list", service.optout_list)
app.add_typer(optout_app, name="optout")

transforms_app = _group("The transforms a policy can name (built-in and plugins).")
_add(transforms_app, "list", catalog.transforms_list)
app.add_typer(transforms_app, name="transforms")

policy_app = _group("Policies: the built-in ones, and any policy resolved as it runs.")
_add(policy_app, "list", catalog.policy_list)
_add(policy_app, "show", catalog.policy_show)
_add(policy_app, "check", batch.check)
app.add_typer(policy_app, name="policy")


if __name__ == "__main__":
    app()
