"""What is there to use: ``transforms list``, ``policy list``, ``policy show``.

A newcomer should not need to read the source to learn the names a policy file can use, or
what the built-in policies hold: these print them, plugins' transforms included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from cli.errors import fail
from transforms.policy import BUILTIN_POLICIES, PolicyError, load_policy
from transforms.registry import lookup, registered_names

stdout = Console(soft_wrap=True, highlight=False)


def print_rows(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A table on a terminal; tab-separated lines, one per row, when piped (for grep and cut)."""
    if not stdout.is_terminal:
        for row in rows:
            typer.echo("\t".join(row))
        return
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in headers:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    stdout.print(table)


def _first_line(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split()).replace("``", "")


def transforms_list() -> None:
    """List the transforms a policy can name: built-in ones and plugins' (entry point group
    sanitizer.transforms), each with its one-line description."""
    rows = []
    for name in registered_names():
        spec = lookup(name)
        module = spec.factory.__module__
        origin = "built-in" if module.startswith("transforms.") else f"plugin {module}"
        rows.append((name, origin, _first_line(spec.doc) or "-"))
    print_rows(("transform", "from", "what it does"), rows)


def policy_list() -> None:
    """List the built-in policies (use one with --policy builtin:NAME, or `extends`)."""
    rows = []
    for name in BUILTIN_POLICIES:
        policy = load_policy(f"builtin:{name}")
        rows.append((f"builtin:{name}", str(len(policy.stages)), _first_line(policy.description)))
    print_rows(("policy", "stages", "description"), rows)


def policy_as_document(reference: str) -> dict[str, Any]:
    policy = load_policy(reference)
    stages = [stage.model_dump(mode="json", exclude_none=True) for stage in policy.stages]
    for stage in stages:
        if not stage.get("config"):
            stage.pop("config", None)
    document: dict[str, Any] = {"version": policy.version}
    if policy.description:
        document["description"] = policy.description.strip()
    return document | {"stages": stages}


def policy_show(
    policy: Annotated[str, typer.Argument(help="builtin:NAME or a policy file.")],
) -> None:
    """Print a policy as one YAML document, with `extends` resolved: every stage that runs, in
    order, with its config. The output is itself a valid policy file."""
    try:
        document = policy_as_document(policy)
    except PolicyError as error:
        raise fail(str(error)) from None
    loaded = load_policy(policy)
    header = f"# {policy}"
    if loaded.extends:
        header += f": extends {loaded.extends}, shown resolved"
    text = yaml.safe_dump(document, sort_keys=False, width=96, allow_unicode=True)
    typer.echo(f"{header}\n{text}", nl=False)
