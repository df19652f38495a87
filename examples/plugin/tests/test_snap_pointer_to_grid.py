"""The example plugin's own test: it runs by name from a policy file, through the real pipeline."""

from pathlib import Path

from transforms.context import Context
from transforms.keyring import Keyring
from transforms.pipeline import Sanitized
from transforms.policy import build_pipeline, load_policy

POLICY = Path(__file__).parents[1] / "policy.yaml"


def mouse_move(x: int, y: int) -> dict[str, object]:
    return {
        "schema": "interaction/v1", "event_id": "e-1", "user_id": "jdoe", "session_id": "s-1",
        "ts": 1_778_758_187_249, "type": "mouse_move", "x": x, "y": y,
    }  # fmt: skip


def test_pointer_positions_are_snapped_to_the_grid() -> None:
    pipeline = build_pipeline(load_policy(POLICY), Context(keyring=Keyring(b"k" * 32)))
    outcome = pipeline.sanitize(mouse_move(1706, 1163))
    assert isinstance(outcome, Sanitized)
    assert (outcome.event["x"], outcome.event["y"]) == (1696, 1152)
