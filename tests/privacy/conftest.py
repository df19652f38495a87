"""The 136M Keystrokes subset lives in ../shared/data beside the repository (never in it).

Tests that need it skip with a clear reason when it is absent; the quick evaluation (30
participants, the evaluation's default policies) is computed once per session.
"""

from __future__ import annotations

import pytest

from privacy.evaluation.keystrokes import Participant, dataset_dir, load_participants
from privacy.evaluation.timing import QUICK_PARTICIPANTS, Evaluation, run_evaluation


def _require_dataset() -> None:
    folder = dataset_dir() / "participants"
    if not folder.is_dir():
        pytest.skip(f"136M Keystrokes subset not found at {folder} (set SANITIZER_KEYSTROKES_DIR)")


@pytest.fixture(scope="session")
def participants() -> list[Participant]:
    _require_dataset()
    return load_participants()[0]


@pytest.fixture(scope="session")
def quick_evaluation() -> Evaluation:
    """30 typists, every default policy, letters restored, each sentence submitted with Enter
    (so a policy that closes typing runs on a command emits them); 1 minute of simulator."""
    _require_dataset()
    return run_evaluation(
        QUICK_PARTICIPANTS, letters=("restored",), simulator_minutes=1, submit=True
    )
