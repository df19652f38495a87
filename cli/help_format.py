"""Help output that reads like a Unix tool's: ``--output FILE``, ``--quarantine-raw``, ``INPUT``.

Typer 0.29's rich help prints a type after every parameter, ``<bool>`` after flags (which take
no value) included, and wraps required arguments of the usage line in braces (``{INPUT}``),
which reads like a template placeholder. These classes keep Typer's rich panels but render a
parameter the way click does: a flag bare, a value by its metavar (``TEXT``, ``FLOAT RANGE``,
or the ``metavar=`` given), an argument by its name, optional ones in brackets.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _PlainOption(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return str(self.metavar)
        label = str(super().display_type_rich(ctx) or "").strip("<>")
        if "|" in label:  # a choice: its values, as click shows them
            return f"[{label}]"
        return {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER"}.get(label, label).upper()


class _PlainArgument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name column already says it (INPUT)

    def _usage_display_name(self) -> str:
        name = self.display_name_raw.upper()
        name = name if self.required else f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name


def _plain(params: list[Any]) -> list[Any]:
    for param in params:
        if type(param) is TyperOption:
            param.__class__ = _PlainOption
        elif type(param) is TyperArgument:
            param.__class__ = _PlainArgument
    return params


class PlainHelpCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx))


class PlainHelpGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx))
