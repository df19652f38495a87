"""Shared fixtures: a test HMAC key, the generated directory and the default pipeline.

Building Presidio's analyzer takes about a second, so the pipeline is built once per session;
transforms are pure and hold no per-event state, so sharing it between tests is safe.
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


@pytest.fixture(scope="session")
def default_pipeline(context: Context) -> Pipeline:
    """The built-in default policy with the test key and the generated directory."""
    return build_pipeline(load_policy(), context)
