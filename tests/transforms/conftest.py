"""Shared fixtures: a test HMAC key, the generated directory and two pipelines.

Building Presidio's analyzer takes about a second, so pipelines are built once per session.
``per_event_pipeline`` runs the per-event privacy stages only (one valid event, one outcome):
tests of per-event behaviour use it. ``default_pipeline`` is the built-in default, whose timing
stages keep per-session state, so tests that depend on exact outcomes of key events must not
share it; tests of input handling (quarantine) may.
"""

from __future__ import annotations

import pytest

from tests.transforms.synthetic_people import build_directory
from transforms.context import Context
from transforms.directory import Directory
from transforms.keyring import Keyring
from transforms.pipeline import Pipeline
from transforms.policy import build_pipeline, load_policy

TEST_KEY = b"test-only-hmac-key-0123456789abcdef"


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring(TEST_KEY)


@pytest.fixture(scope="session")
def directory() -> Directory:
    return build_directory()


@pytest.fixture(scope="session")
def context(keyring: Keyring, directory: Directory) -> Context:
    return Context(keyring=keyring, directory=directory)


PER_EVENT_STAGES = (
    "drop_sensitive_apps", "strip_typed_text", "snap_pointer", "generalize_device",
    "pseudonymize_ids", "coarsen_timestamp", "scrub_text", "allowlist_fields",
)  # fmt: skip


@pytest.fixture(scope="session")
def per_event_pipeline(context: Context) -> Pipeline:
    """The stateless per-event policy: every privacy stage, no timing summaries."""
    policy = load_policy("builtin:per-event")
    assert [stage.transform for stage in policy.stages] == list(PER_EVENT_STAGES)
    return build_pipeline(policy, context)


@pytest.fixture(scope="session")
def default_pipeline(context: Context) -> Pipeline:
    """The built-in default policy with the test key and the generated directory."""
    return build_pipeline(load_policy(), context)
