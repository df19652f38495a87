"""Build the one pipeline every entry point uses, from a policy, the key and the directory.

Batch mode, the streaming worker and the demo all come through here, so the privacy path is
the same code everywhere. Errors are raised as ``SetupError`` with a message a user can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from transforms.context import Context
from transforms.directory import Directory, DirectoryError
from transforms.keyring import Keyring, KeyringError, load_keyring
from transforms.pipeline import Pipeline
from transforms.policy import Policy, PolicyError, build_pipeline, load_policy
from transforms.state import StateFactory

if TYPE_CHECKING:
    from streams.session_store import PartitionedSessionState
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
    state: Callable[[Keyring], StateFactory] | None = None,
) -> Pipeline:
    """The pipeline; ``warn`` (default: a log warning) gets each setup warning once, and
    ``state``, given the keyring, makes the stage state store (default: in memory)."""
    context = load_context(directory_path, insecure_dev_key=insecure_dev_key)
    if state is not None:
        assert context.keyring is not None  # load_context always loads one
        context = replace(context, state=state(context.keyring))
    try:
        policy = load_policy(policy_path)
        pipeline = build_pipeline(policy, context)
    except PolicyError as error:
        raise SetupError(str(error)) from None
    warning = missing_directory_warning(policy, context, directory_setting)
    if warning is not None:
        (warn or log.warning)(warning)
    return pipeline


# The durable stage state each worker pipeline was built with (see session_state_of).
_session_states: WeakKeyDictionary[Pipeline, PartitionedSessionState] = WeakKeyDictionary()


def pipeline_for(settings: ServiceSettings, warn: Warn | None = None) -> Pipeline:
    """A worker's pipeline from its settings, built before Faust starts so that a missing key or
    a bad policy fails in a second, clearly. Raises ``SetupError``. Its stateful stages keep
    their state in a ``PartitionedSessionState`` (durable: see streams.session_store)."""
    from streams.session_store import PartitionedSessionState

    stores: list[PartitionedSessionState] = []

    def durable(keyring: Keyring) -> StateFactory:
        stores.append(PartitionedSessionState(keyring))
        return stores[-1]

    pipeline = make_pipeline(
        settings.policy_path,
        settings.directory_path,
        insecure_dev_key=settings.insecure_dev_key,
        warn=warn,
        directory_setting="SANITIZER_DIRECTORY_PATH",
        state=durable,
    )
    _session_states[pipeline] = stores[0]
    warm_up(pipeline, stores[0])
    return pipeline


# A made-up event with a title, a URL and an email: its first run loads what the text
# recognizers load lazily (about a second), at start-up rather than inside the first batch,
# where it would hold up the event loop (health checks, commits).
WARM_UP_EVENT = {
    "schema": "interaction/v1",
    "event_id": "00000000-0000-4000-8000-000000000000",
    "user_id": "warm-up@example.invalid",
    "device_id": "warm-up",
    "session_id": "00000000-0000-4000-8000-000000000001",
    "seq": 0,
    "ts": 1_700_000_000_000,
    "type": "window_focus",
    "app": "Warm-up",
    "os": "none",
    "window_title": "Inbox - warm-up@example.invalid - +1 555 0100",
    "url": "https://example.invalid/u/warm-up?q=1",
}


def warm_up(pipeline: Pipeline, store: PartitionedSessionState) -> None:
    """Run ``WARM_UP_EVENT`` through the pipeline; its stage state goes to a scratch store."""
    import orjson

    scratch = -1  # not a Kafka partition: never logged, dropped right after
    store.open(scratch)
    store.select(scratch)
    try:
        pipeline.sanitize_message(orjson.dumps(WARM_UP_EVENT))
    finally:
        store.close(scratch)


def session_state_of(pipeline: Pipeline) -> PartitionedSessionState | None:
    """The durable stage state of a pipeline made by ``pipeline_for`` (else None)."""
    return _session_states.get(pipeline)
