"""snap_pointer: clicks keep where they were, to a cell, in the frame of the screen class."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, make_event
from transforms.context import Context
from transforms.generalize_device import screen_class
from transforms.registry import Transform
from transforms.snap_pointer import SnapPointerConfig, snap_pointer


def snapper(**config: Any) -> Transform:
    return snap_pointer(SnapPointerConfig(**config), Context())


def test_positions_become_cell_centres_in_the_class_frame() -> None:
    out = snapper(cells=12)(make_event("mouse_down", x=10, y=790, screen=[1280, 800]))
    assert (out["x"], out["y"]) == (80, 1035)  # first column, last row of 12 on 1920x1080
    assert out["screen"] == [1280, 800]  # generalize_device replaces it later


@given(
    st.sampled_from([(1280, 800), (1364, 768), (1440, 900), (1920, 1080), (2560, 1440)]),
    st.floats(0, 1, exclude_max=True),
    st.floats(0, 1, exclude_max=True),
)
@PROPERTY
def test_error_is_at_most_half_a_cell_diagonal(
    screen: tuple[int, int], fx: float, fy: float
) -> None:
    width, height = screen
    x, y = fx * width, fy * height
    out = snapper(cells=12)(make_event("click", x=x, y=y, screen=list(screen)))
    target_w, target_h = screen_class(width, height)
    back_x, back_y = out["x"] * width / target_w, out["y"] * height / target_h
    error = math.hypot(back_x - x, back_y - y) / math.hypot(width, height)
    assert error <= 1 / 24 + 0.002


@given(st.sampled_from([(1280, 800), (1364, 768), (1440, 900), (1920, 1080)]))
@PROPERTY
def test_the_values_do_not_reveal_the_real_screen_size(screen: tuple[int, int]) -> None:
    """Every screen of one class yields the same set of possible x and y values."""
    width, height = screen
    transform = snapper(cells=12)
    xs = {transform(make_event("click", x=x, y=0, screen=list(screen)))["x"] for x in range(width)}
    ys = {transform(make_event("click", x=0, y=y, screen=list(screen)))["y"] for y in range(height)}
    assert xs == {int((i + 0.5) * 1920 / 12) for i in range(12)}
    assert ys == {int((i + 0.5) * 1080 / 12) for i in range(12)}


def test_off_screen_positions_are_clamped_and_no_screen_means_the_default_class() -> None:
    transform = snapper(cells=12)
    out = transform(make_event("mouse_up", x=-300, y=5000, screen=[1920, 1080]))
    assert (out["x"], out["y"]) == (80, 1035)
    bare = {k: v for k, v in make_event("click", x=1919, y=0).items() if k != "screen"}
    assert (transform(bare)["x"], transform(bare)["y"]) == (1840, 45)


def test_other_events_and_scrolls_without_position_pass_unchanged() -> None:
    transform = snapper()
    for event in (make_event("window_focus"), make_event("key_down")):
        assert transform(event) == event
    scroll = {k: v for k, v in make_event("scroll").items() if k not in ("x", "y")}
    assert transform(scroll) == scroll
