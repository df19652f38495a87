"""Rotation epochs: pseudonyms of two epochs never match; within one they are stable anywhere.

Stability is checked across processes: a second Python interpreter, sharing nothing with this
one but the key, must compute the same pseudonyms for the same epoch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.transforms.raw_events import make_event
from transforms.context import Context
from transforms.keyring import Keyring, Rotation, epoch_label
from transforms.pseudonymize_ids import (
    IDENTIFIER_FIELDS,
    PseudonymizeIdsConfig,
    pseudonymize_ids,
)

KEY = b"rotation-test-key-0123456789abcdef"
IDENTITIES = [
    {
        "user_id": f"user{n}@corp.example",
        "device_id": f"LT-{n:04d}",
        "session_id": f"s-{n}",
        "event_id": f"e-{n}",
    }
    for n in range(20)
]
# Two timestamps per epoch, far apart inside it, and the first instant of the next epoch.
EPOCHS: dict[Rotation, tuple[tuple[int, int], tuple[int, int]]] = {
    Rotation.daily: (
        (1_778_716_800_000, 1_778_803_199_999),
        (1_778_803_200_000, 1_778_810_000_000),
    ),
    Rotation.weekly: (
        (1_778_457_600_000, 1_779_062_399_999),
        (1_779_062_400_000, 1_779_100_000_000),
    ),
    Rotation.monthly: (
        (1_777_593_600_000, 1_780_271_999_999),
        (1_780_272_000_000, 1_780_300_000_000),
    ),
}
REPO = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from transforms.context import Context
from transforms.keyring import Keyring, Rotation
from transforms.pseudonymize_ids import PseudonymizeIdsConfig, pseudonymize_ids
key, rotation, items = json.loads(sys.stdin.read())
transform = pseudonymize_ids(PseudonymizeIdsConfig(rotation=Rotation(rotation)),
                             Context(keyring=Keyring(key.encode())))
print(json.dumps([transform(item) for item in items]))
"""


def pseudonyms(rotation: Rotation, ts: int) -> list[dict[str, Any]]:
    config = PseudonymizeIdsConfig.model_validate({"rotation": rotation})
    transform = pseudonymize_ids(config, Context(keyring=Keyring(KEY)))
    out = [transform({**make_event("click", ts=ts), **ids}) for ids in IDENTITIES]
    return [e for e in out if e is not None]


def values(events: list[dict[str, Any]]) -> set[str]:
    return {e[name] for e in events for name in IDENTIFIER_FIELDS}


@pytest.mark.parametrize("rotation", list(EPOCHS))
def test_boundaries_are_where_the_test_expects(rotation: Rotation) -> None:
    (a1, a2), (b1, b2) = EPOCHS[rotation]
    assert epoch_label(a1, rotation) == epoch_label(a2, rotation) != epoch_label(b1, rotation)
    assert epoch_label(b1, rotation) == epoch_label(b2, rotation)


@pytest.mark.parametrize("rotation", list(EPOCHS))
def test_two_epochs_share_no_pseudonym(rotation: Rotation) -> None:
    (a1, _), (b1, _) = EPOCHS[rotation]
    first, second = pseudonyms(rotation, a1), pseudonyms(rotation, b1)
    assert values(first).isdisjoint(values(second))
    assert {e["key_id"] for e in first}.isdisjoint({e["key_id"] for e in second})


@pytest.mark.parametrize("rotation", list(EPOCHS))
def test_pseudonyms_are_stable_within_an_epoch(rotation: Rotation) -> None:
    (a1, a2), _ = EPOCHS[rotation]
    early, late = pseudonyms(rotation, a1), pseudonyms(rotation, a2)
    for name in (*IDENTIFIER_FIELDS, "key_id"):
        assert [e[name] for e in early] == [e[name] for e in late]


def test_without_rotation_every_time_gives_the_same_pseudonym() -> None:
    (a1, _), (b1, _) = EPOCHS[Rotation.monthly]
    assert values(pseudonyms(Rotation.none, a1)) == values(pseudonyms(Rotation.none, b1))


@pytest.mark.parametrize("rotation", [Rotation.daily, Rotation.monthly])
def test_another_process_computes_the_same_pseudonyms_in_the_same_epoch(
    rotation: Rotation,
) -> None:
    (a1, a2), (b1, _) = EPOCHS[rotation]
    items = [{**make_event("click", ts=ts), **ids} for ts in (a2, b1) for ids in IDENTITIES]
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps([KEY.decode(), rotation.value, items]),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=120,
    )
    theirs = json.loads(child.stdout)
    here_a, here_b = pseudonyms(rotation, a1), pseudonyms(rotation, b1)
    n = len(IDENTITIES)
    for name in IDENTIFIER_FIELDS:
        assert [e[name] for e in theirs[:n]] == [e[name] for e in here_a]
        assert [e[name] for e in theirs[n:]] == [e[name] for e in here_b]
    assert values(theirs[:n]).isdisjoint(values(theirs[n:]))
