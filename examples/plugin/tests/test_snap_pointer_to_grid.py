"""The example plugin's own test: it runs by name from a policy file, through the real pipeline."""

from pathlib import Path

from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Sanitized
from transforms.policy import build_pipeline, load_policy

POLICY = Path(__file__).parents[1] / "policy.yaml"


def mouse_down(x: int, y: int) -> dict[str, object]:
    return {
        "schema": "interaction/v1", "event_id": "e-1", "user_id": "jdoe", "session_id": "s-1",
        "ts": 1_778_758_187_249, "type": "mouse_down", "x": x, "y": y, "button": "left",
    }  # fmt: skip


def test_pointer_positions_are_snapped_to_the_grid() -> None:
    context = Context(keyring=Keyring(b"k" * 32))
    pipeline = build_pipeline(load_policy(POLICY), context)
    default = build_pipeline(load_policy("builtin:default"), context)
    click = mouse_down(1706, 1163)  # a click: the default drops pointer moves (issue 9)
    outcome, base = pipeline.sanitize(click), default.sanitize(click)
    assert isinstance(outcome, Sanitized) and isinstance(base, Sanitized)
    # The plugin's stage runs after the default's own snapping: its 32 px grid on top of it.
    expected = (base.event["x"] // 32 * 32, base.event["y"] // 32 * 32)
    assert (outcome.event["x"], outcome.event["y"]) == expected
    assert expected != (base.event["x"], base.event["y"])  # the plugin did move the point
