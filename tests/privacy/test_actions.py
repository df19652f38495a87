"""What training keeps: the order of actions and click positions, and their verdicts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from privacy.evaluation import actions, targets
from privacy.evaluation.exposure import k_anonymity_bands


def ev(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "app": "Slack", "screen": [2000, 1000], **fields}


def down(x: int, y: int, button: str = "left", **fields: Any) -> dict[str, Any]:
    return ev("mouse_down", x=x, y=y, button=button, **fields)


RAW = [
    ev("window_focus"), ev("mouse_move", x=1, y=1), down(10, 10), ev("mouse_up", x=10, y=10),
    ev("key_down", key="H"), ev("key_down", key="i"), ev("key_up", key="i"),
    ev("key_down", key="Enter"), ev("key_down", key="c", modifiers=["ctrl"]),
    ev("scroll", dx=0, dy=3), ev("scroll", dx=0, dy=3), ev("clipboard", action="paste"),
    down(50, 50, "right"), ev("key_down", key="Shift"), ev("key_down", key="Unidentified"),
]  # fmt: skip


def test_a_session_reads_as_actions_with_runs_counted_once() -> None:
    assert actions.actions(RAW) == [
        "focus", "click:left", "typing", "command", "command", "scroll", "paste",
        "click:right", "typing",
    ]  # fmt: skip


def test_sanitized_typing_summaries_and_key_classes_read_the_same() -> None:
    sanitized = [
        ev("window_focus"), down(10, 10), ev("text_input", field="typing"),
        ev("key_down", key_class="enter"), ev("key_down", key_class="letter", modifiers=["ctrl"]),
        ev("scroll", dx=0, dy=3), ev("clipboard", action="paste"), down(50, 50, "right"),
        ev("text_input", field="typing"),
    ]  # fmt: skip
    assert actions.order_similarity(RAW, sanitized) == 1.0
    assert actions.order_similarity(RAW, sanitized[:-3]) == pytest.approx(1 - 3 / 9)
    assert actions.order_similarity([], []) == 1.0


def test_password_manager_events_are_not_expected_back() -> None:
    vault = [ev("window_focus", app="1Password"), down(5, 5, app="1Password")]
    assert actions.order_similarity(vault + RAW, RAW) == 1.0
    assert actions.click_errors(vault + RAW, [], []) == [math.inf, math.inf]


def test_each_raw_click_is_paired_with_the_output_it_released() -> None:
    raw = [down(100, 100), ev("mouse_move", x=0, y=0), down(1000, 500), down(300, 300)]
    out = [down(100, 120), down(1000, 500), down(400, 300)]
    # The first output came from raw 0; the other two were held back and released by raw 3.
    errors = actions.click_errors(raw, out, [0, 3, 3])
    diagonal = math.hypot(2000, 1000)
    assert errors == pytest.approx([20 / diagonal, 0.0, 100 / diagonal])


def test_a_lost_or_positionless_click_has_an_infinite_error() -> None:
    raw = [down(100, 100), down(200, 200)]
    assert actions.click_errors(raw, [ev("mouse_down")], [1]) == [math.inf, math.inf]


def test_a_position_on_a_generalized_screen_is_scaled_back() -> None:
    raw = [down(1000, 500)]
    out = [{**down(500, 250), "screen": [1000, 500]}]
    assert actions.click_errors(raw, out, [0]) == [0.0]


def test_kept_pools_clicks_and_averages_sessions() -> None:
    raw = [[down(100, 100), down(200, 200)], [ev("window_focus")]]
    out = [[down(100, 100)], []]
    kept = actions.kept(raw, out, [[0], []])
    assert kept.clicks == 2 and kept.clicks_faithful == 0.5
    assert kept.order_similarity == pytest.approx((0.5 + 0.0) / 2)
    assert kept.to_json()["click_error_median"] is None  # inf: half the clicks lost


def test_verdicts_pass_and_fail_at_their_bounds() -> None:
    assert targets.typist("default", "logged", "nc", 2.0).passed
    assert not targets.typist("default", "logged", "nc", 2.01).passed
    assert targets.mouse("default", "dynamics", "rf", 3.0).passed
    assert not targets.mouse("default", "dynamics", "rf", 8.9).passed
    assert not targets.k_unique("default", 0.06).passed and targets.k_unique("d", 0.05).passed
    order, faithful, error = targets.retention("default", "sim", 0.9, 0.949, math.inf, 10)
    assert order.passed and not faithful.passed and not error.passed
    assert error.row()["figure"] == "lost" and faithful.row()["verdict"] == "FAIL"
    assert not targets.typist("default", "logged", "nc", math.nan).passed
    assert len(targets.retention("default", "keys", 1.0, 1.0, 0.0, clicks=0)) == 1


def test_k_anonymity_bands_count_distinct_users_per_app_os_screen_and_hour() -> None:
    hour = 3_600_000
    base = {"app": "Slack", "os": "macOS 15", "screen": [1, 1]}
    sessions = [
        [{**base, "user_id": f"u{n}", "ts": 0} for n in range(5)],  # k = 5
        [{**base, "user_id": "u9", "ts": hour}],  # alone in the next hour: k = 1
        [{**base, "app": "Mail", "user_id": u, "ts": 10} for u in ("a", "b")],  # k = 2
    ]
    bands = k_anonymity_bands(sessions)
    assert bands == pytest.approx({"k=1": 1 / 8, "k=2-4": 2 / 8, "k>=5": 5 / 8})
