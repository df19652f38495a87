"""Resources a transform may need that do not belong in the policy file.

The HMAC keyring and the employee directory are secrets or bulky data, so they come from the
environment and the command line, never from the policy. Transform factories receive them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transforms.directory import Directory
    from transforms.keyring import Keyring


@dataclass(frozen=True)
class Context:
    keyring: Keyring | None = None
    directory: Directory | None = None
