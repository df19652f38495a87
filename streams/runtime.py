"""Build the one pipeline every entry point uses, from a policy, the key and the directory.

Batch mode, the streaming worker and the demo all come through here, so the privacy path is
the same code everywhere. Errors are raised as ``SetupError`` with a message a user can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from transforms.context import Context
from transforms.directory import Directory, DirectoryError
from transforms.keyring import Keyring, KeyringError, load_keyring
from transforms.pipeline import Pipeline
from transforms.policy import Policy, PolicyError, build_pipeline, load_policy

if TYPE_CHECKING:
    from streams.settings import ServiceSettings

log = logging.getLogger(__name__)
Warn = Callable[[str], None]


class SetupError(RuntimeError):
    pass


def load_context(directory_path: Path | str | None, *, insecure_dev_key: bool = False) -> Context:
    try:
        keyring: Keyring = load_keyring(insecure_dev_key=insecure_dev_key)
        directory = Directory.from_csv(directory_path) if directory_path else None
    except (KeyringError, DirectoryError) as error:
        raise SetupError(str(error)) from None
    return Context(keyring=keyring, directory=directory)


def missing_directory_warning(policy: Policy, context: Context, setting: str) -> str | None:
    """The warning owed when ``scrub_text`` runs without an employee directory: titles and file
    names keep the names and logins of people Presidio cannot know (no NER model here)."""
    if context.directory is not None:
        return None
    if not any(stage.transform == "scrub_text" for stage in policy.stages):
        return None
    return (
        "no employee directory: scrub_text finds emails, phones, cards and the like, but names "
        "and logins of people in titles and file names pass through; give the directory "
        f"CSV with {setting}"
    )


def make_pipeline(
    policy_path: Path | str | None,
    directory_path: Path | str | None,
    *,
    insecure_dev_key: bool = False,
    warn: Warn | None = None,
    directory_setting: str = "--directory",
) -> Pipeline:
    """The pipeline; ``warn`` (default: a log warning) gets each setup warning once."""
    context = load_context(directory_path, insecure_dev_key=insecure_dev_key)
    try:
        policy = load_policy(policy_path)
        pipeline = build_pipeline(policy, context)
    except PolicyError as error:
        raise SetupError(str(error)) from None
    warning = missing_directory_warning(policy, context, directory_setting)
    if warning is not None:
        (warn or log.warning)(warning)
    return pipeline


def pipeline_for(settings: ServiceSettings, warn: Warn | None = None) -> Pipeline:
    """A worker's pipeline from its settings, built before Faust starts so that a missing key or
    a bad policy fails in a second, clearly. Raises ``SetupError``."""
    return make_pipeline(
        settings.policy_path,
        settings.directory_path,
        insecure_dev_key=settings.insecure_dev_key,
        warn=warn,
        directory_setting="SANITIZER_DIRECTORY_PATH",
    )
