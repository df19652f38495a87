"""generalize_device: ``screen`` becomes a size class and ``os`` its family and major version.

The exact screen size and OS build are quasi-identifiers: in a small team a 1364x768 panel or
"macOS 15.4.1 (24E263)" can single out one person, and the screen size is also visible in
pointer coordinates (see ``snap_pointer``, which must run before this stage). Screens map to
one of a few classes by pixel count: up to 2.4 MP (laptop panels to 1920x1200) ``[1920,
1080]``, above ``[2560, 1440]``, each in the screen's orientation. ``os`` maps to a closed
set: ``macOS N``, ``Windows N``, ``iOS N``, ``iPadOS N``, ``Android N``, ``ChromeOS``,
``Linux`` (any distribution, no version) or ``other``.

Privacy property: every output value of ``screen`` and ``os`` comes from a short fixed list, so
neither can carry free text, a build number or a rare resolution.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register

# (largest pixel count in the class, the class's landscape size), by pixel count.
SCREEN_CLASSES: tuple[tuple[int, tuple[int, int]], ...] = (
    (2_400_000, (1920, 1080)),
    (10**10, (2560, 1440)),
)
DEFAULT_SCREEN = SCREEN_CLASSES[0][1]
_VERSIONED = {
    "macos": "macOS", "mac os x": "macOS", "os x": "macOS", "mac os": "macOS",
    "windows": "Windows", "ios": "iOS", "ipados": "iPadOS", "android": "Android",
}  # fmt: skip
_OS = re.compile(r"^\s*(macos|mac os x|mac os|os x|windows|ipados|ios|android)\s*([0-9]{1,3})?")
_LINUX = re.compile(
    r"linux|ubuntu|debian|fedora|arch|centos|red ?hat|rhel|suse|mint|manjaro|gentoo|pop!?_os"
)
_CHROMEOS = re.compile(r"chrome ?os")


@lru_cache(maxsize=4096)  # a device reports the same screen on every event (snap_pointer too)
def screen_class(width: int, height: int) -> tuple[int, int]:
    """The size class of a screen, in the screen's orientation."""
    pixels = width * height
    size = next(size for limit, size in SCREEN_CLASSES if pixels <= limit)
    return size if width >= height else (size[1], size[0])


@lru_cache(maxsize=4096)  # a device reports the same OS string on every event
def os_family(name: str) -> str:
    """``macOS 15``, ``Windows 11``, ``Linux``, …, or ``other``: never the input's own text."""
    lower = name.casefold()
    match = _OS.match(lower)
    if match:
        family = _VERSIONED[match.group(1)]
        return f"{family} {int(match.group(2))}" if match.group(2) else family
    if _CHROMEOS.search(lower):
        return "ChromeOS"
    if _LINUX.search(lower):
        return "Linux"
    return "other"


class GeneralizeDeviceConfig(TransformConfig):
    screen: bool = Field(True, description="replace screen by its size class")
    os: bool = Field(True, description="replace os by its family and major version")


@register("generalize_device", GeneralizeDeviceConfig)
def generalize_device(config: GeneralizeDeviceConfig, context: Context) -> Transform:
    """Generalize ``screen`` to a size class and ``os`` to family and major version."""

    keep_screen, keep_os = config.screen, config.os

    def generalize(event: Event) -> Event:
        out = dict(event)
        if keep_screen and "screen" in event:
            out["screen"] = list(screen_class(*event["screen"]))
        if keep_os and "os" in event:
            out["os"] = os_family(event["os"])
        return out

    return generalize
