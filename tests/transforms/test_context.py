"""Context: the secrets and bulky data a transform needs come from here, never the policy."""

from __future__ import annotations

import dataclasses

import pytest

from transforms.context import Context
from transforms.directory import Directory
from transforms.keyring import Keyring


def test_empty_context_has_no_key_and_no_directory() -> None:
    context = Context()
    assert context.keyring is None and context.directory is None


def test_context_is_frozen_so_stages_can_share_it() -> None:
    context = Context(keyring=Keyring(b"context-test-key-0123"), directory=Directory([]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.keyring = None  # type: ignore[misc]


def test_context_repr_never_shows_the_key() -> None:
    assert "context-test-key" not in repr(Context(keyring=Keyring(b"context-test-key-0123")))
