"""Resources a transform may need that do not belong in the policy file.

The HMAC keyring and the employee directory are secrets or bulky data, so they come from the
environment and the command line, never from the policy. Transform factories receive them here,
with the store that stateful stages keep their per-session state in (``transforms.state``).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transforms.state import StateFactory, in_memory_state

if TYPE_CHECKING:
    from transforms.directory import Directory
    from transforms.keyring import Keyring


@dataclass(frozen=True)
class Context:
    keyring: Keyring | None = None
    directory: Directory | None = None
    state: StateFactory = in_memory_state

    def session_state(self, stage: str, max_sessions: int) -> MutableMapping[str, Any]:
        """The mapping in which ``stage`` keeps its per-session state (see transforms.state)."""
        return self.state(stage, max_sessions)
