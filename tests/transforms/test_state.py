from __future__ import annotations

import pytest

from transforms.context import Context
from transforms.renumber_seq import RenumberSeqConfig, renumber_seq
from transforms.state import LruSessionState, session_key


def test_lru_state_evicts_the_least_recently_used_key() -> None:
    state = LruSessionState(2)
    state["a"], state["b"] = 1, 2
    assert state["a"] == 1  # a read is a use: "b" is now the oldest
    state["c"] = 3
    assert dict(state) == {"a": 1, "c": 3}
    del state["a"]
    assert len(state) == 1


def test_lru_state_refuses_a_bound_below_one() -> None:
    with pytest.raises(ValueError, match="max_sessions"):
        LruSessionState(0)


def test_a_stage_keeps_its_state_in_the_store_the_context_gives() -> None:
    stores: dict[str, dict[str, object]] = {}

    def plain_dict_store(stage: str, max_sessions: int) -> dict[str, object]:
        return stores.setdefault(stage, {})

    renumber = renumber_seq(RenumberSeqConfig(), Context(state=plain_dict_store))
    event = {"user_id": "u", "session_id": "s", "seq": 7, "type": "scroll"}
    assert renumber(event)["seq"] == 7
    assert renumber({**event, "seq": 9})["seq"] == 8
    assert stores == {"renumber_seq": {session_key(event): 9}}
    # A second instance over the same store (a worker taking over a partition) goes on counting.
    again = renumber_seq(RenumberSeqConfig(), Context(state=plain_dict_store))
    assert again({**event, "seq": 12})["seq"] == 9
