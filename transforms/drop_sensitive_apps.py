"""drop_sensitive_apps: keep no content at all from password managers and similar apps.

An event whose focused app, window title or URL host names a sensitive app is dropped whole
(the stage name is the drop rule): key classes and timings typed into a vault are as sensitive
as the titles of its entries.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register

PASSWORD_MANAGERS = (
    "1Password", "Bitwarden", "KeePass", "KeePassXC", "KeePassX", "LastPass", "Dashlane",
    "Keeper", "NordPass", "Enpass", "RoboForm", "Proton Pass", "Keychain Access",
    "Passwords", "Password Safe",
)  # fmt: skip


class DropSensitiveAppsConfig(TransformConfig):
    apps: tuple[str, ...] = Field(
        PASSWORD_MANAGERS, description="app names, matched case-insensitively"
    )
    match_titles: bool = Field(
        True, description="also match the names inside window titles and URLs (browser vaults)"
    )


@register("drop_sensitive_apps", DropSensitiveAppsConfig)
def drop_sensitive_apps(config: DropSensitiveAppsConfig, context: Context) -> Transform:
    """Drop every event from a sensitive app (password managers by default)."""
    names = tuple(name.casefold() for name in config.apps)
    exact = frozenset(names)
    # Multi-word names are distinctive enough to find inside titles; "passwords" is not.
    in_text = tuple(name for name in names if name not in ("passwords",))

    def mentions(text: str | None) -> bool:
        if text is None:
            return False
        folded = text.casefold()
        return folded in exact or any(name in folded for name in in_text)

    # The same focused window repeats for thousands of events: decide once per window.
    @lru_cache(maxsize=16384)
    def is_sensitive(app: str | None, title: str | None, url: str | None) -> bool:
        if mentions(app):
            return True
        return config.match_titles and (mentions(title) or mentions(url))

    def drop_if_sensitive(event: Event) -> Event | None:
        get = event.get
        return None if is_sensitive(get("app"), get("window_title"), get("url")) else event

    return drop_if_sensitive
