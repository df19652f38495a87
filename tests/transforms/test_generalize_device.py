"""generalize_device: screen and os leave as a few fixed values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, make_event
from transforms.context import Context
from transforms.generalize_device import (
    SCREEN_CLASSES,
    GeneralizeDeviceConfig,
    generalize_device,
    os_family,
    screen_class,
)

CLASS_SIZES = {size for _, size in SCREEN_CLASSES} | {(h, w) for _, (w, h) in SCREEN_CLASSES}


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1280, 800), (1920, 1080)), ((1364, 768), (1920, 1080)), ((1440, 900), (1920, 1080)),
        ((1920, 1080), (1920, 1080)), ((1920, 1200), (1920, 1080)), ((2560, 1440), (2560, 1440)),
        ((3024, 1964), (2560, 1440)), ((3840, 2160), (2560, 1440)), ((1080, 1920), (1080, 1920)),
        ((390, 844), (1080, 1920)),
    ],
)  # fmt: skip
def test_screen_sizes_fall_into_a_few_classes(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert screen_class(*size) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("macOS 15.4", "macOS 15"), ("macOS 15.4.1 (24E263)", "macOS 15"),
        ("Mac OS X 10.15.7", "macOS 10"), ("Windows 11", "Windows 11"),
        ("Windows 10 Pro 22H2", "Windows 10"), ("Windows", "Windows"),
        ("Ubuntu 24.04", "Linux"), ("Fedora Linux 40", "Linux"), ("ChromeOS 126", "ChromeOS"),
        ("iOS 18.1", "iOS 18"), ("Android 14", "Android 14"), ("jane's hackintosh", "other"),
        ("", "other"),
    ],
)  # fmt: skip
def test_os_becomes_family_and_major_version(name: str, expected: str) -> None:
    assert os_family(name) == expected


@given(st.text(max_size=80))
@PROPERTY
def test_os_output_never_carries_the_input_text(name: str) -> None:
    family = os_family(name)
    head, _, version = family.partition(" ")
    assert head in {"macOS", "Windows", "iOS", "iPadOS", "Android", "ChromeOS", "Linux", "other"}
    assert version == "" or (version.isdigit() and len(version) <= 3)


@given(st.integers(1, 99_999), st.integers(1, 99_999))
@PROPERTY
def test_screen_output_is_always_a_class(width: int, height: int) -> None:
    assert screen_class(width, height) in CLASS_SIZES


def test_the_transform_replaces_both_and_each_can_be_kept() -> None:
    event = make_event("click", screen=[1364, 768], os="Windows 10.0.19045")
    out = generalize_device(GeneralizeDeviceConfig(), Context())(event)
    assert (out["screen"], out["os"]) == ([1920, 1080], "Windows 10")
    assert event["screen"] == [1364, 768]  # not mutated
    kept = generalize_device(GeneralizeDeviceConfig(screen=False, os=False), Context())(event)
    assert kept == event
    bare = {k: v for k, v in event.items() if k not in ("screen", "os")}
    assert generalize_device(GeneralizeDeviceConfig(), Context())(bare) == bare
