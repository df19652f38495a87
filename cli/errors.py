"""How every command reports a failure: one line on stderr and an exit code, never a traceback.

Exit codes (the README's "Exit codes" lists them): 0 done; 1 the command ran and found a
problem it exists to find (audit findings, too many quarantined lines); 2 a usage or
configuration error (bad policy, missing key, unknown variable, unreadable file); 3 Kafka could
not be reached or refused a request (often worth a retry).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import typer
from rich.console import Console
from rich.text import Text

from streams.connection import BOOTSTRAP_SETTING, BrokerError, reporting_broker_errors
from streams.settings import ServiceSettings, SettingsError

EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_KAFKA = 3

stderr = Console(stderr=True, soft_wrap=True)  # an error message stays on one line


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    stderr.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False)
    return typer.Exit(code)


def warn(message: str) -> None:
    stderr.print(Text.assemble(("warning:", "bold yellow"), " ", message), highlight=False)


@contextmanager
def reporting_errors(
    kafka: ServiceSettings | None = None, setting: str = BOOTSTRAP_SETTING
) -> Iterator[None]:
    """Settings and broker errors as one line and their exit code; with ``kafka``, also every
    kafka-python error, naming those settings' servers and ``setting``."""
    try:
        with ExitStack() as stack:
            if kafka is not None:
                stack.enter_context(reporting_broker_errors(kafka, setting))
            yield
    except SettingsError as error:
        raise fail(str(error), EXIT_USAGE) from None
    except BrokerError as error:
        raise fail(str(error), EXIT_KAFKA) from None
