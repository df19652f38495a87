"""Build the one pipeline every entry point uses, from a policy, the key and the directory.

Batch mode, the streaming worker and the demo all come through here, so the privacy path is
the same code everywhere. Errors are raised as ``SetupError`` with a message a user can act on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from transforms.context import Context
from transforms.directory import Directory, DirectoryError
from transforms.keyring import Keyring, KeyringError, load_keyring
from transforms.pipeline import Pipeline
from transforms.policy import PolicyError, build_pipeline, load_policy

if TYPE_CHECKING:
    from streams.settings import ServiceSettings


class SetupError(RuntimeError):
    pass


def load_context(directory_path: Path | str | None, *, insecure_dev_key: bool = False) -> Context:
    try:
        keyring: Keyring = load_keyring(insecure_dev_key=insecure_dev_key)
        directory = Directory.from_csv(directory_path) if directory_path else None
    except (KeyringError, DirectoryError) as error:
        raise SetupError(str(error)) from None
    return Context(keyring=keyring, directory=directory)


def make_pipeline(
    policy_path: Path | str | None,
    directory_path: Path | str | None,
    *,
    insecure_dev_key: bool = False,
) -> Pipeline:
    context = load_context(directory_path, insecure_dev_key=insecure_dev_key)
    try:
        return build_pipeline(load_policy(policy_path), context)
    except PolicyError as error:
        raise SetupError(str(error)) from None


def pipeline_for(settings: ServiceSettings) -> Pipeline:
    """A worker's pipeline from its settings, built before Faust starts so that a missing key or
    a bad policy fails in a second, clearly. Raises ``SetupError``."""
    return make_pipeline(
        settings.policy_path, settings.directory_path, insecure_dev_key=settings.insecure_dev_key
    )
